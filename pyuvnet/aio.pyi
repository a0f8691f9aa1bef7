# pyuvnet.aio is a face: the bridge's types are its room's, _aio_bridge.pyi.
from ._internal.aio_bridge import (
                                   ERR_STREAM_PREMATURE_CLOSE as ERR_STREAM_PREMATURE_CLOSE,
                                   Bridge as Bridge,
                                   SocketIterator as SocketIterator,
                                   aclose as aclose,
                                   attach as attach,
                                   connected as connected,
                                   drained as drained,
                                   install as install,
                                   installed as installed,
                                   iterate as iterate,
                                   listening as listening,
                                   run as run,
                                   uninstall as uninstall,
                                   )

__all__ = [
    'Bridge', 'install', 'uninstall', 'installed', 'attach', 'run',
    'listening', 'connected', 'drained', 'iterate', 'aclose',
    'SocketIterator', 'ERR_STREAM_PREMATURE_CLOSE',
]
