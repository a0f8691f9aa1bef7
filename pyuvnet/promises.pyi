# pyuvnet.promises is a face: its types are its room's, net/_awaitables.pyi.
from .net._awaitables import ServerIterator as ServerIterator, connect as connect, listen as listen

__all__ = ['connect', 'listen', 'ServerIterator']
