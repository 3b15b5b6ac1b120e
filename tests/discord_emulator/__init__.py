"""Discord emulator (placeholder docstring, replaced below)."""

from .inject import CommandUnavailable
from .interactions import Callback, InteractionHandle, ResponseEvent
from .messages import Attachment, Pings, StoredMessage, compute_pings
from .permissions import ALL_PERMISSIONS, DEFAULT_EVERYONE, Intent, Perm
from .recording import EmulatorTimeout, Fault, RecordedRequest
from .server import DiscordEmulator
from .state import World
from .world import Channel, Guild, Member, Role, User

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_EVERYONE",
    "Attachment",
    "Callback",
    "Channel",
    "CommandUnavailable",
    "DiscordEmulator",
    "EmulatorTimeout",
    "Fault",
    "Guild",
    "Intent",
    "InteractionHandle",
    "Member",
    "Perm",
    "Pings",
    "RecordedRequest",
    "ResponseEvent",
    "Role",
    "StoredMessage",
    "User",
    "World",
    "compute_pings",
]
