"""SettingsExchange: an Http2Session's SETTINGS both ways (_session.py):
the frames sent and waiting for their ACK, the custom settings each side
has (Node's customSettings and remoteCustomSettings), and Node's
``localSettings``/``remoteSettings`` objects, each the same object until
the next ACK or the peer's next SETTINGS."""
import time
from collections import deque

from ._settings import FIRST_CUSTOM_ID, custom_entries, settings_entries, settings_record

__all__ = ['SettingsExchange']


class SettingsExchange:
    """One session's settings; the session's core (``_uv.H2Core``, None
    once the session is done) is given to the reads that need nghttp2's."""

    __slots__ = ('wanted', 'sent', 'local_custom', 'remote_custom', '_local', '_remote')

    def __init__(self, remote_custom_ids):
        self.wanted = remote_custom_ids     # the peer's custom settings kept
        self.sent = deque()     # (settings, callback, time sent), oldest first
        # Node's customSettings: those sent (at once, as Node's), and those
        # of the peer's the remoteCustomSettings option names.
        self.local_custom = {}
        self.remote_custom = {}
        # Node's kLocalSettings/kRemoteSettings: read once per SETTINGS frame.
        self._local = None
        self._remote = None

    def queue(self, settings, callback):
        """A SETTINGS frame's entries, the frame then waiting for its ACK;
        its custom settings are the session's local ones at once, as Node's."""
        entries = settings_entries(settings)
        self.local_custom.update((setting_id, value) for setting_id, value
                                 in custom_entries(settings.get('customSettings'))
                                 if setting_id >= FIRST_CUSTOM_ID)
        self.sent.append((settings, callback, time.monotonic()))
        return entries

    def local(self, core):
        """The settings the peer acknowledged."""
        if self._local is None:
            if core is None:
                return settings_record(None)
            self._local = settings_record(core.local_setting, self.local_custom)
        return self._local

    def remote(self, core):
        """The settings the peer sent."""
        if self._remote is None:
            if core is None:
                return settings_record(None)
            self._remote = settings_record(core.remote_setting, self.remote_custom)
        return self._remote

    def received(self, custom):
        """The peer's SETTINGS came, with its ``custom`` (id, value) pairs."""
        for setting_id, value in custom:
            if setting_id in self.wanted:
                self.remote_custom[setting_id] = value
        self._remote = None

    def acknowledged(self):
        """The peer's ACK of our oldest SETTINGS waiting: its (callback,
        milliseconds since sent), or None when none waits."""
        if not self.sent:
            return None
        _settings, callback, started = self.sent.popleft()
        self._local = None
        return callback, (time.monotonic() - started) * 1000
