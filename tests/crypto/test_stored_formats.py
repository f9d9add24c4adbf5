"""Test vectors: every stored format made before the sealing refactor still opens.

Each constant was produced once by the code as it stood before the AEAD helper
and the ``sealing`` package existed (a throwaway script, not committed). Random
nonces make fresh output differ each run, so each format is checked both ways:
the committed ciphertext must open with today's code, and today's output must
open with a direct ``ChaCha20Poly1305``/HPKE call that spells out the documented
associated data or ``info`` byte for byte. Any change to a byte layout (nonce
size, framing, version byte, AAD or ``info``) fails here.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from hotline.crypto import aead, codenames, envelopes, keyring
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import Argon2Params, InstanceSecrets
from hotline.crypto.sessions import REPORTER_SESSIONS, SessionStore, StoredSession
from hotline.intake.sms import thread as sms_thread
from hotline.procedure import Category

PEPPER = bytes(range(32))
CODENAME = "0123 4567 8901 2345"
DATA_KEY = bytes(range(100, 132))
ITEM_PLAINTEXT = b"Le receveur de Gisenyi exige 20 000 francs."
OFFICER_KEY = bytes(range(96))
SESSION_PAYLOAD = {"reporter_id": "ab" * 32, "x": [1, 2]}
SMS_SENDER = "+250788123456"

REPORTER_ID = "265039fcdffb21940c99bab472a32fcb3aa28fbe439ae0d199260602be6a36d5"

REPORTER_PUBLIC_SHA256 = "00824910f943080a0a030f2f7fae6e5b1e7664f293e8c86ff9d5f990bb2fa96e"

ITEM_CIPHERTEXT = bytes.fromhex(
    "5a1bc1a0eb290e9a6e49d1f5006fc89de346d8e6a77dd31772565346c25c10af47731104d33c6e0c658a48f6"
    "445fc20e41df433c035fdb0f72ec75a4441e9a17042f29894c231b"
)

SEALED_DATA_KEY = bytes.fromhex(
    "9893c9d7c8a67a63cad5af74ab91410d7d6e41573c24f2818ac791c2a63b10f6a9e924575b978889b3345bf9"
    "b1fc3aceb898140c33f0318a8161ffee27f74003f58f5bee7ae66ce96b38810e78786b52972a91c3bbdb841d"
    "6670ae6ade139899ac16b918e9258a1fcc92aac8e45bd6d8f5c5a12122b8610d8794d897060024b0fe8232c4"
    "ec6f3c1fce0ffbe74a7c8b7ad8eead8cc12b5da7f3a8b7638eccdaa17044ff019195a95125a0de96b74162ed"
    "e3a99a1ee8d9833200a3acf93114c0781a81de88621e4ab15c97d8fa9eff5ac0888e11e08dd4f9ce3eb3f554"
    "928d383aeb6b65e2b655a0cffc446b3684ba1c0e198313cc852d23c3d0d9189a1d0d82b14ee1b19962a0f78a"
    "440d7fbc1b70f04b70542ee2b1472c600248f421ec22b587a3205adf9ca938a0f0b3cdcc042a11334af84a09"
    "809c29daa7b013446fc735ea88aa681b6012043d47c83d852cc2dc4b0286c8eb74ea9f3370260bd4bc6bd859"
    "53c9cb0185fab4c7b244f76a3c458337371beb36c41ac16accdb1b64e947535b1e5080ad744bb767e8e5522a"
    "aee4a0f74ed4db7e21a27124bae0a98cc491b48efd7efcf7334e9d2ca49bd7d2e19338f78e484db9f8691578"
    "8b15bb0bcfb7fdbd7ee71595e835fc6764bb8aa9efbf9b0ed6e5a25a809d517566b02795e0c4bd25e051f787"
    "de7761b93585d685a5c3b48dad1aa072946d02d5d51d83fe675a520b3f16eb15fcc81c7034567b56b3284803"
    "0d6d2dff5247d95f7f4d4b0cf7b3d0819ca77b841e3a42a892116b8ada162ba2b91c9bbf6f2de7ecb8223bae"
    "d2c7cfe029cd148987e77dbb2492fa86aca63f8851be6daacf787e5e04a90afc2d8495325ece10c445f5beb5"
    "4055df233d08401bad52669ba2d99474a8412656eff60cfc21b33e9c92ef9158cea5d2f0df0abaa4477eeb66"
    "d1540852d7934614ed4f44d499104f2109b69bcca9d21c731729247d851b8b87e2a5e1591139b8bb1fc209f9"
    "c3bdd3ca30c8b15cd8b01bdeecfff5bc5f42728b399b8e774c8358be6d2775c9bc3b4b8f9b350e4832ab0ce8"
    "81ee73f92fb514fd9358a1ff96516f821dd6582da2320a3303708025e906be18b4c1ae68bd30d0f904dd07d5"
    "ab7b39ed343cafd575e4450ef7dc5504e3aff95dec06e9587f9c283d4f569bd903f867c8d4cedf41bb47060d"
    "ee43e769104d52667f74888699e48b46c2b48798b5dc1e26fb1f1d2839fca0724d7cf10e55cb456905a60e64"
    "7227c7ab910a248d171c86c69b15909f99dac15c9cfd9b8ba449b20c3b62d5e8e878872c3214b401736ddc52"
    "63c00bed0f9d46917dab1fe584abc9665d2edd880c72bcc64004327f39de8fe8b03977de8f9e66d1c5ec9875"
    "5ce6e89ad8c95e208a9ab85124c2cf820ce2287700d39b0191df1391fe95d522b58903a33c6de27d9852fc88"
    "0e9de8f48189923ad476c4b7201a7cc66fdcf02c96e2a7ca1538d9b210a77214ab6a25eb7b81665ac2fdf1da"
    "450419484f65755e4efb72957d5180de7fe8bed4c1185d740e55937d1c44a7cd2c4a6b511edc902d0c823e55"
    "985ae2d54677cbca29b5ef5dfe9c653adc2024087d010442f6ef03ff5f7ae029a8b550e2e470ec874167f7c5"
    "7a558255ae50e482940c8827a95a825ebb76f0db065810e2"
)

PASSWORD_KEK = "10ec586337b1a7506ac4ffb8520e7db8ad48627cca3472a295b4264e1cc565b3"

WRAPPED_KEY = bytes.fromhex(
    "e41338ba9b11d3d75884f93e1a9c5b185abe55b45ba44c1f1576a96e88e9871492f3a88e63f926e3791448f9"
    "06a4d9b52cde78e5b9a09fa431ed2f003771f9e77a5ef74f4091d148a61da8d330101a27bd63ad501ed3b02d"
    "bb47d7690b5e0539d5e89c1e9d9a2fa0d92bc9c109fdb5a8abeab2f77ca57cb776acaf9e"
)

SESSION_COOKIE = (
    "89R-AjNq_dbTls08OkBNn889e-qPGjgSM2w_xZ6GcO0.f4ciAw4iD2czNi_AJlYwk4qeHx7k1Q8_vpeWuvCLEBc"
)

SESSION_ID_HASH = "067cf2c0eb0e3b81cb61b82c9f73dfb268a56b21ba6fb911658f7a7718a43c31"

SESSION_CIPHERTEXT = bytes.fromhex(
    "1cdbb3f9e0663603aa2a44c5c766e3e4497a6aaedb7fba327502b520109b9012d24fdeb80444579b842fe367"
    "fead108fc6099cc8317d60e14e5fc79a3d258932e688a2af209bc307d19c18b89925eb4b68854557b9affc0e"
    "b489367594d13ad8ea4e3fcf261718f5ff4cf42e3e4b35d5bcd2db431fe243049febb845"
)

SMS_SENDER_KEY = "3b95757ad5d89c1e6bc6b0b381f77e162e1f28439e5ad8d4b8e0f6c154319fac"

SMS_STATE_KEY = "a9aecec4a0134f7024dc077aff38e9eaef47f70c027dc9d3e7783edc168f3acf"

SMS_STATE = bytes.fromhex(
    "01825eb60dc48779da29af5339bb94daf58f8f9eeeb1e4c8f7811b8d4e7407c2a0f064213f2996c1fe9c267b"
    "6e4375ad0960f09d9dc25c5d0cb6434a83ab39272fdff5ae75b8a29425f9d2ec100ed277028294c7110c07ab"
    "9b4dd101d27178433a793dd0ca86d7269e88083a05979583d93df85cc76af6c1264156c23d652378187e36a7"
    "029a66d0c2623763b39c5ab64767d253d76b0748f9fcedf63429f0c5b50851f6d4f104a687241ecafab233c6"
    "2debf36b4b6252a140fafdc4a10707318d9748212b895104e52e6d90bc0f9025d67540738d9d6adbf35cc5db"
    "0111e48a45fe07a19206ab7a5cb904d2f73bf76661efc9371b663bd7b4286d5df22f338821b4c5325e7b2bd3"
    "c60e52858e1fdc0b90fba81e14f1c9decb12ad5057d7544454be8f9bf1a9"
)


# --- codename keys (the recipient of everything a reporter may read) ---------------


@pytest.fixture(scope="module")
def reporter() -> codenames.ReporterKeys:
    return codenames.derive(CODENAME, PEPPER, n=2**14)


def test_the_codename_derivation_is_unchanged(reporter: codenames.ReporterKeys) -> None:
    assert reporter.reporter_id == REPORTER_ID
    assert hashlib.sha256(reporter.public_key.raw).hexdigest() == REPORTER_PUBLIC_SHA256


# --- items: nonce ‖ ChaCha20-Poly1305 under the data key ---------------------------


def item_aad(item_id: str, purpose: str) -> bytes:
    return b"hotline|aead|v1|" + item_id.encode() + b"|" + purpose.encode()


def test_an_item_sealed_before_opens() -> None:
    assert envelopes.decrypt(DATA_KEY, "a" * 32, "message", ITEM_CIPHERTEXT) == ITEM_PLAINTEXT
    with pytest.raises(envelopes.CannotOpen):
        envelopes.decrypt(DATA_KEY, "a" * 32, "attachment", ITEM_CIPHERTEXT)


def test_an_item_sealed_now_has_the_documented_layout() -> None:
    sealed = envelopes.encrypt(DATA_KEY, "a" * 32, "message", ITEM_PLAINTEXT)
    assert len(sealed) == 12 + len(ITEM_PLAINTEXT) + 16
    opened = ChaCha20Poly1305(DATA_KEY).decrypt(
        sealed[:12], sealed[12:], item_aad("a" * 32, "message")
    )
    assert opened == ITEM_PLAINTEXT


# --- data keys: HPKE to each recipient --------------------------------------------


def hpke_info(item_id: str, purpose: str) -> bytes:
    return b"hotline|hpke|v1|" + item_id.encode() + b"|" + purpose.encode()


def test_a_data_key_sealed_before_opens(reporter: codenames.ReporterKeys) -> None:
    assert len(SEALED_DATA_KEY) == 1168
    opened = envelopes.open_sealed(SEALED_DATA_KEY, reporter.private_key, "b" * 32, "message")
    assert opened == DATA_KEY
    with pytest.raises(envelopes.CannotOpen):
        envelopes.open_sealed(SEALED_DATA_KEY, reporter.private_key, "b" * 32, "note")


def test_a_data_key_sealed_now_has_the_documented_info(reporter: codenames.ReporterKeys) -> None:
    sealed = envelopes.seal(DATA_KEY, reporter.public_key, "b" * 32, "message")
    assert len(sealed) == 1168
    opened = envelopes.SUITE.decrypt(
        sealed, reporter.private_key.hpke(), info=hpke_info("b" * 32, "message")
    )
    assert opened == DATA_KEY
    assert envelopes.LEGACY_VERSION == 1
    assert envelopes.SEAL_VERSION == 2


# --- version 2: items bound to their place (case, kind, author, sequence) ----------

ITEM_V2_BOUND = "a" * 32 + "|" + "d" * 32 + "|message|officer:7|3"
ITEM_V2_CIPHERTEXT = bytes.fromhex(
    "15b05c1633f7ffcd897504362811431de58c19b86337e8f3be3d94894c2c7573fb0970c759a7aeb6"
    "0b1fc796619d51faef6b7550a1dfd01e48ee934cb2b00c26176b73c1860041"
)


def test_an_item_sealed_in_version_2_before_opens_only_in_its_place() -> None:
    from hotline.sealing.items import message_place

    place = message_place("d" * 32, "officer", 7, 3)
    bound = place.bound("a" * 32, 2)
    assert bound == ITEM_V2_BOUND
    assert (
        envelopes.decrypt(DATA_KEY, bound, "body", ITEM_V2_CIPHERTEXT, version=2) == ITEM_PLAINTEXT
    )
    for moved in (
        message_place("e" * 32, "officer", 7, 3),  # another case
        message_place("d" * 32, "officer", 7, 4),  # reordered
        message_place("d" * 32, "officer", 8, 3),  # another author
        message_place("d" * 32, "reporter", None, 3),  # another author kind
    ):
        with pytest.raises(envelopes.CannotOpen):
            envelopes.decrypt(
                DATA_KEY, moved.bound("a" * 32, 2), "body", ITEM_V2_CIPHERTEXT, version=2
            )
    with pytest.raises(envelopes.CannotOpen):  # no downgrade to the id-only binding
        envelopes.decrypt(DATA_KEY, "a" * 32, "body", ITEM_V2_CIPHERTEXT, version=1)


def test_an_item_sealed_in_version_2_now_has_the_documented_layout() -> None:
    sealed = envelopes.encrypt(DATA_KEY, ITEM_V2_BOUND, "body", ITEM_PLAINTEXT, version=2)
    aad = b"hotline|aead|v2|" + ITEM_V2_BOUND.encode() + b"|body"
    assert ChaCha20Poly1305(DATA_KEY).decrypt(sealed[:12], sealed[12:], aad) == ITEM_PLAINTEXT


# --- key tags: HMAC-SHA256 under keys/key_tag_key -----------------------------------

KEY_TAG = "5f93a516df4d9a8deb70b555638a6467444cb26dc9e2158b3d186b2594f4e048"


def test_the_key_tag_is_unchanged() -> None:
    import hmac

    from hotline.crypto.key_tags import key_tag

    public = bytes(range(32))
    tag = key_tag(
        b"t" * 32, purpose="queue", owner="queue:investigation", version=1, public_key=public
    )
    assert tag.hex() == KEY_TAG
    message = b"hotline-key-tag-v1"
    for part in (b"queue", b"queue:investigation", b"1", public):
        message += len(part).to_bytes(4, "big") + part
    assert hmac.new(b"t" * 32, message, hashlib.sha256).hexdigest() == KEY_TAG


# --- officers' keys wrapped under their password ------------------------------------

KEK_PARAMS = Argon2Params(memory_kib=64, time_cost=1, parallelism=1)


def test_the_password_kek_is_unchanged() -> None:
    assert keyring.password_kek("correct horse battery", b"s" * 16, KEK_PARAMS).hex() == (
        PASSWORD_KEK
    )
    assert KEK_PARAMS.encode() == "argon2id$v=1$m=64,t=1,p=1"


def test_a_key_wrapped_before_unwraps() -> None:
    kek = bytes.fromhex(PASSWORD_KEK)
    assert keyring.unwrap(kek, WRAPPED_KEY, "officer:3:decryption") == OFFICER_KEY
    with pytest.raises(keyring.WrongPassword):
        keyring.unwrap(kek, WRAPPED_KEY, "officer:4:decryption")
    with pytest.raises(keyring.WrongPassword):
        keyring.unwrap(bytes(32), WRAPPED_KEY, "officer:3:decryption")


def test_a_key_wrapped_now_has_the_documented_layout() -> None:
    kek = bytes.fromhex(PASSWORD_KEK)
    wrapped = keyring.wrap(kek, OFFICER_KEY, "officer:3:decryption")
    assert len(wrapped) == 12 + 96 + 16
    assert (
        ChaCha20Poly1305(kek).decrypt(wrapped[:12], wrapped[12:], b"wrap|v1|officer:3:decryption")
        == OFFICER_KEY
    )


# --- split-knowledge sessions --------------------------------------------------------


class OneSession:
    """A session backend holding one record, far from expiry."""

    def __init__(self, record: StoredSession | None = None, id_hash: str = "") -> None:
        self.record = record
        self.id_hash = id_hash
        self.kind = "reporter"

    def put(self, id_hash: str, kind: str, record: StoredSession, officer_id: int | None) -> None:
        self.id_hash, self.kind, self.record = id_hash, kind, record

    def get(self, id_hash: str, kind: str) -> StoredSession | None:
        return self.record if (id_hash, kind) == (self.id_hash, self.kind) else None

    def touch(self, id_hash: str, record: StoredSession) -> None:
        self.record = record

    def delete(self, id_hash: str) -> None:
        self.record = None

    def delete_for_officer(self, officer_id: int) -> None:
        self.record = None


def far_future_record(ciphertext: bytes) -> StoredSession:
    import datetime as dt

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return StoredSession(ciphertext, later, later, 1800)


def test_a_session_sealed_before_opens_with_its_cookie() -> None:
    backend = OneSession(far_future_record(SESSION_CIPHERTEXT), SESSION_ID_HASH)
    store = SessionStore(backend)
    assert store.read("reporter", SESSION_COOKIE) == SESSION_PAYLOAD
    assert store.read("officer", SESSION_COOKIE) is None
    session_id, _ = SessionStore._parse(SESSION_COOKIE) or (b"", b"")
    assert hashlib.sha256(session_id).hexdigest() == SESSION_ID_HASH


def test_a_session_sealed_now_has_the_documented_layout() -> None:
    backend = OneSession()
    cookie = SessionStore(backend).open("reporter", SESSION_PAYLOAD, REPORTER_SESSIONS)
    parsed = SessionStore._parse(cookie)
    assert parsed is not None
    assert backend.record is not None
    session_id, session_key = parsed
    id_hash = hashlib.sha256(session_id).hexdigest()
    assert backend.id_hash == id_hash
    ciphertext = backend.record.ciphertext
    plaintext = ChaCha20Poly1305(session_key).decrypt(
        ciphertext[:12], ciphertext[12:], f"session|v1|reporter|{id_hash}".encode()
    )
    assert json.loads(plaintext) == SESSION_PAYLOAD


# --- SMS thread state: version byte ‖ nonce ‖ ChaCha20-Poly1305 ---------------------

THREAD = sms_thread.ThreadState(
    language="fr",
    category=Category.RETALIATION,
    reporter_id="ab" * 32,
    disclosure_id="c" * 32,
    reference="HL-2026-0001",
    parts=2,
    pages=["page one"],
)
#: Argon2id(secret=pepper, salt="hotline-sms-thread-v2", 8 MiB, 1 pass, 1 lane) of
#: SMS_SENDER, 64 bytes: the thread's key (hex) ‖ its state key. Threads live in
#: Redis for 30 minutes: a change here only restarts the threads in progress.
SMS_THREAD_KEY = "6d2541323223f06b2740ce366db39b4dacfbabfa001d804babbab74913d126d9"
SMS_THREAD_STATE_KEY = "afaf9fd94e43f7451e13facb4cf25f7d54aeb96e4eb791411ca5a4e4e4c1c8f0"


def test_the_sms_thread_keys_are_unchanged() -> None:
    secrets = InstanceSecrets(
        pepper=PEPPER, secret_key=b"k" * 32, audit_key=b"a" * 32, key_tag_key=b"t" * 32
    )
    sender_key, state_key = sms_thread.thread_keys(secrets, SMS_SENDER)
    assert sender_key == SMS_THREAD_KEY
    assert state_key.hex() == SMS_THREAD_STATE_KEY
    raw = Argon2id(
        salt=b"hotline-sms-thread-v2",
        length=64,
        iterations=1,
        lanes=1,
        memory_cost=8 * 1024,
        secret=PEPPER,
    ).derive(SMS_SENDER.encode())
    assert raw.hex() == SMS_THREAD_KEY + SMS_THREAD_STATE_KEY


def test_an_sms_thread_state_sealed_before_opens() -> None:
    state_key = bytes.fromhex(SMS_STATE_KEY)
    assert SMS_STATE[:1] == b"\x01"
    assert sms_thread.open_state(SMS_STATE, state_key, SMS_SENDER_KEY) == THREAD
    assert sms_thread.open_state(SMS_STATE, state_key, "0" * 64) is None
    assert sms_thread.open_state(b"\x02" + SMS_STATE[1:], state_key, SMS_SENDER_KEY) is None


def test_an_sms_thread_state_sealed_now_has_the_documented_layout() -> None:
    state_key = bytes.fromhex(SMS_STATE_KEY)
    sealed = sms_thread.seal_state(THREAD, state_key, SMS_SENDER_KEY)
    assert sealed[:1] == b"\x01"
    aad = b"sms-thread-state|" + SMS_SENDER_KEY.encode()
    plaintext = ChaCha20Poly1305(state_key).decrypt(sealed[1:13], sealed[13:], aad)
    assert json.loads(plaintext) == {
        "language": "fr",
        "category": "retaliation",
        "reporter_id": "ab" * 32,
        "disclosure_id": "c" * 32,
        "reference": "HL-2026-0001",
        "parts": 2,
        "pages": ["page one"],
        # Added later with a default: states sealed before it still open (above).
        "known_reporter_id": None,
    }
    assert plaintext.startswith(b'{"language":"fr","category":"retaliation",')


def test_the_private_key_layout_is_unchanged() -> None:
    key = PrivateKey(OFFICER_KEY)
    assert len(key.public_key().raw) == 1184 + 32


# --- sealed_keys rows ------------------------------------------------------------------


def test_sealed_key_rows_keep_their_shape(reporter: codenames.ReporterKeys) -> None:
    from hotline.sealing.items import sealed_key_rows
    from hotline.sealing.recipients import queue_recipient, reporter_recipient

    assert queue_recipient("investigation") == "queue:investigation"
    assert reporter_recipient(REPORTER_ID) == f"reporter:{REPORTER_ID}"
    rows = sealed_key_rows(
        disclosure_id="d" * 32,
        item_id="b" * 32,
        item_kind="message",
        data_key=DATA_KEY,
        recipients={reporter_recipient(REPORTER_ID): reporter.public_key},
    )
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {
        "item_id",
        "recipient",
        "item_kind",
        "disclosure_id",
        "sealed",
        "seal_version",
    }
    assert (row["item_id"], row["recipient"], row["item_kind"], row["disclosure_id"]) == (
        "b" * 32,
        f"reporter:{REPORTER_ID}",
        "message",
        "d" * 32,
    )
    assert row["seal_version"] == 2
    info = b"hotline|hpke|v2|" + ("b" * 32 + "|" + "d" * 32).encode() + b"|message"
    assert (
        envelopes.SUITE.decrypt(row["sealed"], reporter.private_key.hpke(), info=info) == DATA_KEY
    )


def test_the_aead_helper_expresses_the_sms_state_framing() -> None:
    """SMS seals its state as ``version byte ‖ aead.seal(...)``: the helper opens
    the committed state once the version byte is taken off, and its own output
    behind that byte opens with the SMS code."""
    state_key = bytes.fromhex(SMS_STATE_KEY)
    aad = b"sms-thread-state|" + SMS_SENDER_KEY.encode()
    plaintext = aead.open(state_key, SMS_STATE[1:], aad)
    assert json.loads(plaintext)["codename"] == CODENAME
    resealed = b"\x01" + aead.seal(state_key, plaintext, aad)
    assert sms_thread.open_state(resealed, state_key, SMS_SENDER_KEY) == THREAD
