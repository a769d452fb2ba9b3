"""Put a :class:`VirtualCard` into a vpcd reader slot (the vsmartcard virtual reader of pcscd).

vpcd is the TCP server (port 35963 + slot on 127.0.0.1) and the card is the client: connecting inserts
the card, closing removes it. Frames in both directions are a 2-byte big-endian length and the body. A
1-byte body from vpcd is a control byte: 00 power off, 01 power on, 02 reset (no reply), 04 get ATR
(reply with the ATR; asked at any time, also about every 0.4 s as pcscd's presence poll). Longer bodies
are C-APDUs, answered with the R-APDU.

``TCP_QUICKACK`` is re-armed after every header read: Debian's vpcd sends header and body in two
``send()`` calls, and without a quick ACK every APDU would wait ~40 ms for the delayed ACK.

A TCP connection alone does not mean the card is in the reader: vpcd's listen backlog lets one more card
complete the handshake and wait unseen behind the card already in that slot (recipe, gotcha 3), and a
further one is not even answered. Only when vpcd talks to the card (asks for the ATR, powers it up) is it
in pcscd's reader: :meth:`VpcdLink.wait_accepted` waits for that and otherwise says why not.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import threading

from outlet_desk.reader.virtual_card import VirtualCard

VPCD_BASE_PORT = 35963
VPCD_HOST = "127.0.0.1"
CONNECT_RETRY_S = 0.05
CONNECT_TIMEOUT_S = 1.0
_CTRL_POWER_OFF, _CTRL_POWER_ON, _CTRL_RESET, _CTRL_GET_ATR = 0x00, 0x01, 0x02, 0x04


class NotAccepted(enum.Enum):
    """Why vpcd did not take the card in (see :meth:`VpcdLink.wait_accepted`)."""

    NOTHING_LISTENS = "nothing_listens"
    """Connection refused: no pcscd with the vpcd driver is running on this machine."""
    SLOT_TAKEN = "slot_taken"
    """The connection waits (or the handshake goes unanswered) behind another card in the same slot."""


class VpcdLink:
    """The socket loop of one card in one slot, run in a daemon thread.

    ``insert()`` starts connecting (retrying every 50 ms until vpcd listens). ``remove()`` shuts the
    socket down so vpcd sees EOF at once, and ends the thread. With ``reconnect=True`` the card stays
    "in the reader" across a pcscd restart: on EOF it connects again instead of ending.
    """

    def __init__(
        self,
        card: VirtualCard,
        slot: int = 0,
        *,
        host: str = VPCD_HOST,
        base_port: int = VPCD_BASE_PORT,
        reconnect: bool = False,
    ) -> None:
        self.card = card
        self.slot = slot
        self.address = (host, base_port + slot)
        self.reconnect = reconnect
        self.connected = threading.Event()
        """Set while the TCP connection to vpcd is up."""
        self.accepted = threading.Event()
        """Set once vpcd has talked to the card on the current connection: the card is in pcscd's reader."""
        self._refused = False
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._sock_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def insert(self) -> None:
        if self.running:
            raise RuntimeError("card already inserted")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"vpcd-card-slot{self.slot}", daemon=True
        )
        self._thread.start()

    def remove(self, timeout: float = 2.0) -> None:
        """Pull the card: close the socket (vpcd sees EOF), release any hang, wait for the thread."""
        self._stop.set()
        self.card.release()
        self._close_socket()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def wait_accepted(self, timeout: float) -> NotAccepted | None:
        """Wait until vpcd has asked the card something (pcscd polls every ~0.4 s); None when it has,
        else why not: connections refused (no pcscd), or this card waits behind another one."""
        if self.accepted.wait(timeout):
            return None
        return NotAccepted.NOTHING_LISTENS if self._refused else NotAccepted.SLOT_TAKEN

    def _close_socket(self) -> None:
        with self._sock_lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.connected.clear()
        self.accepted.clear()

    def _connect(self) -> socket.socket | None:
        while not self._stop.is_set():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.settimeout(CONNECT_TIMEOUT_S)  # a full backlog drops the handshake: do not wait minutes
            try:
                sock.connect(self.address)
            except OSError as error:
                self._refused = isinstance(error, ConnectionRefusedError)
                sock.close()
                self._stop.wait(CONNECT_RETRY_S)
                continue
            self._refused = False
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._sock_lock:
                if self._stop.is_set():
                    sock.close()
                    return None
                self._sock = sock
            self.connected.set()
            return sock
        return None

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                sock = self._connect()
                if sock is None:
                    return
                died = self._serve(sock)
                self._close_socket()
                if died or not self.reconnect:
                    return
                self.card.power(_CTRL_POWER_OFF)
        finally:
            self.connected.clear()
            self.accepted.clear()

    def _serve(self, sock: socket.socket) -> bool:
        """Answer vpcd until EOF; True when the card chose to die (no reconnect then)."""
        while True:
            header = _recv_exact(sock, 2)
            if header is None:
                return False
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            body = _recv_exact(sock, int.from_bytes(header, "big"))
            if body is None:
                return False
            self.accepted.set()
            if len(body) == 1 and body[0] != _CTRL_GET_ATR:
                self.card.power(body[0])
                continue
            reply = self.card.atr if len(body) == 1 else self.card.process(body)
            if reply is None:
                self._stop.set()
                return True
            try:
                sock.sendall(len(reply).to_bytes(2, "big") + reply)
            except OSError:
                return False


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        try:
            chunk = sock.recv(size - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)
