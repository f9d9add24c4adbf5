"""The e-mail parser against a committed corpus and hostile hand-made messages.

Security properties under test: no routing or client header reaches any field, the
codename never survives in the text, forwarded headers and signatures are dropped, and
broken mail is filed rather than rejected.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re

import pytest

from hotline.crypto.codename_text import CODENAME_PLACEHOLDER, find_codename
from hotline.intake.email.mime import FORWARDED_MARKER, MAX_TEXT_CHARS, EmailAttachment
from hotline.intake.email.parse import TRUNCATION_NOTE, NotAnEmail, ParsedEmail, parse
from hotline.intake.email.quotes import remove_quoted
from hotline.intake.email.text import html_to_text
from hotline.procedure import Category
from hotline.references import find_case_reference
from tests.helpers.email import CORPUS, corpus

CODENAME = "4821093755120084"
ARABIC_INDIC_CODENAME = "٤٨٢١ ٠٩٣٧ ٥٥١٢ ٠٠٨٤"


@dataclasses.dataclass(frozen=True)
class Expected:
    category: str
    sender: str | None
    subject: str
    contains: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    attachments: tuple[tuple[str, str], ...] = ()
    codename: str | None = None
    case_reference: str | None = None
    defects: tuple[str, ...] = ()


EXPECTED: dict[str, Expected] = {
    "01_multipart_alternative.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "d.okafor@example.org",
        "Customs fraud at the northern border post",
        contains=("Kilima Trading", "every Tuesday night", '"spare parts"', "plate numbers"),
        absent=("Sent from Zorbmail Web", "<p>", "&quot;"),
    ),
    "02_html_only_arabic.eml": Expected(
        Category.RETALIATION,
        "layla.haddad@example.com",
        "Harassment after my complaint",
        contains=(
            "بدأ مديري يهددني بالنقل",
            'Fish & chips <not a tag> "quoted" café €500 net',
            "first item\nsecond item",
        ),
        absent=(
            "document.location",
            "tracker",
            "font-family",
            "alert",
            "Message title",
            "hidden comment",
            "<p",
            "&amp;",
        ),
    ),
    "03_base64_body.eml": Expected(
        Category.STAFF_MISCONDUCT,
        "peter.ndlovu@example.com",
        "Bribe demanded at the warehouse",
        contains=("bonded warehouse 3 asked me for 200,000 shillings", "14 February"),
    ),
    "04_quoted_printable_windows1252.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "r.dupre@example.net",
        "Évasion fiscale – société «Import Lumière»",
        contains=("La société « Import Lumière »", "12 000 €", "l’a reconnu", "d’une réunion"),
        absent=("=E9", "=\n"),
    ),
    "05_iso8859_1_8bit.eml": Expected(
        Category.RETALIATION,
        "agent.anonyme@example.com",
        "Représailles après mon signalement",
        contains=("m'a retiré", "à l'aéroport", "ont reçu", "d'être muté"),
    ),
    "06_mixed_charsets.eml": Expected(
        Category.OTHER,
        "i.petrenko@example.net",
        "Контрабанда сигарет через порт",
        contains=(
            "контейнеры декларируются как бумага",
            "密輸の報告です",
            "UTF-16 part: the manifest was changed",
            "走私香烟",
            "Unknown charset part: caf\ufffd receipts",
        ),
        defects=("UnknownCharset",),
    ),
    "07_swahili_plus_address.eml": Expected(
        Category.STAFF_MISCONDUCT,
        "baraka.mwangi@example.com",
        "Taarifa kuhusu afisa wa forodha",
        contains=("anadai rushwa ya shilingi laki tano",),
    ),
    "08_kinyarwanda_subject.eml": Expected(
        Category.STAFF_MISCONDUCT,
        "umuturage@example.net",
        "Ruswa ku mupaka",
        contains=("basaba ruswa abacuruzi", "Murakoze."),
    ),
    "09_arabic_subject_rfc2047.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "muwatin@example.org",
        "بلاغ عن تهريب بضائع عبر الميناء",
        contains=("تقوم شركة وهمية بتهريب أجهزة إلكترونية",),
    ),
    "10_pdf_and_jpeg_attachments.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "marc.lefebvre@example.com",
        "Under-invoicing of imported tyres",
        contains=("1 200 tyres", "containers on the quay"),
        attachments=(("facture_déclarée.pdf", "application/pdf"), ("quai.jpg", "image/jpeg")),
    ),
    "11_forwarded_rfc822.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "grace.uwase@example.org",
        "Fwd: Contrebande de cigarettes",
        contains=(
            "Je vous transfère le message reçu du transitaire",
            FORWARDED_MARKER,
            "Payez le douanier comme d'habitude.",
        ),
        absent=("Jonas Mbeki", "j.mbeki", "Chargement du 12 mars", "InnerMail", "inner-7781"),
        attachments=(("chargement.csv", "text/csv"),),
    ),
    "12_pgp_signed.eml": Expected(
        Category.RETALIATION,
        "eric.habimana@example.net",
        "Retaliation: transferred after reporting",
        contains=("transferred to\na post 400 km away", "because of my big mouth"),
        absent=("PGP", "iHUEARYIAB0"),
    ),
    "13_truncated_mime.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "nadia.kamau@example.com",
        "Tax evasion by a fuel importer",
        contains=("declares diesel as lubricant", "tank label"),
        attachments=(("label.png", "image/png"),),
        defects=("CloseBoundaryNotFoundDefect", "TruncatedBase64"),
    ),
    "14_malformed_headers.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "amina.k@example.org",
        "Smuggling of fuel at the lake crossing",
        contains=("Fuel is brought across the lake", "fish market around 02:00"),
        absent=("X-Originating-IP", "OldMailer", "MIME-Version", "Content-Type"),
        defects=("WhitespaceBeforeColon", "HeaderLineWithoutColon"),
    ),
    "15_followup_codename_reply.eml": Expected(
        Category.TAXPAYER_FRAUD,
        "d.okafor@example.org",
        "Re: Customs fraud at the northern border post",
        contains=(f"My codename is {CODENAME_PLACEHOLDER}.", "plates begin with KT"),
        absent=("4821", "0084", "wrote:", "Your report has been received", "The Hotline team"),
        codename=CODENAME,
    ),
    "16_case_reference_outlook_reply.eml": Expected(
        Category.OTHER,
        "sami.n@example.org",
        "Re: [HL-7K3M-Q9PA] more information",
        contains=(f"رمزي السري: {CODENAME_PLACEHOLDER}", "second warehouse", "paid weekly."),
        absent=("٤٨٢١", "٠٠٨٤", "Sent:", "Thank you for your report", "____", "\r"),
        codename=CODENAME,
        case_reference="HL-7K3M-Q9PA",
    ),
}
NOT_EMAILS = ("17_not_an_email_binary.eml", "18_empty.eml")

PDF_SHA256 = "8f25a3ec034865f3b36fe560ce1d105a7435c5c89b00d78bfcd3f831e90af197"
JPEG_SHA256 = "90663a35b23dea4c1e882f1aeb34e0f48a90601548ce4eb1eac980dd5916155e"


def message(
    body: str, *, headers: str = "", subject: str = "Report", charset: str = "utf-8"
) -> bytes:
    """A minimal well-formed message around body."""
    return (
        "From: Test Reporter <reporter@example.org>\n"
        "To: report@example.org\n"
        f"Subject: {subject}\n"
        f"{headers}"
        "MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset={charset}\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
    ).encode() + body.encode(charset)


def all_strings(parsed: ParsedEmail) -> list[str]:
    """Every string a ParsedEmail exposes, attachment names included."""
    values: list[str] = []
    for item in dataclasses.fields(parsed):
        value = getattr(parsed, item.name)
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, tuple):
            values.extend(v for v in value if isinstance(v, str))
    values.extend(a.name for a in parsed.attachments)
    values.extend(a.claimed_type for a in parsed.attachments)
    return values


# --------------------------------------------------------------------------- corpus


def test_corpus_is_complete_and_documented() -> None:
    files = {path.name for path in CORPUS.glob("*.eml")}
    assert files == set(EXPECTED) | set(NOT_EMAILS)
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^- `([^`]+\.eml)`", readme, flags=re.M))
    assert documented == files


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name: str) -> None:
    expected = EXPECTED[name]
    parsed = parse(corpus(name))

    assert parsed.category == expected.category
    assert parsed.sender == expected.sender
    assert parsed.subject == expected.subject
    assert parsed.codename == expected.codename
    assert parsed.case_reference == expected.case_reference
    assert parsed.message_id is not None
    for fragment in expected.contains:
        assert fragment in parsed.text, fragment
    for fragment in expected.absent:
        assert fragment not in parsed.text, fragment
    assert [(a.name, a.claimed_type) for a in parsed.attachments] == list(expected.attachments)
    assert set(expected.defects) <= set(parsed.defects)
    if not expected.defects:
        assert "UnknownCharset" not in parsed.defects


@pytest.mark.parametrize("name", NOT_EMAILS)
def test_corpus_not_an_email(name: str) -> None:
    with pytest.raises(NotAnEmail):
        parse(corpus(name))


def test_attachments_are_returned_byte_exact() -> None:
    parsed = parse(corpus("10_pdf_and_jpeg_attachments.eml"))
    pdf, jpeg = parsed.attachments
    assert pdf.content.startswith(b"%PDF-1.4")
    assert pdf.content.endswith(b"%%EOF\n")
    assert hashlib.sha256(pdf.content).hexdigest() == PDF_SHA256
    assert jpeg.content.startswith(b"\xff\xd8\xff")
    assert hashlib.sha256(jpeg.content).hexdigest() == JPEG_SHA256


def test_truncated_base64_keeps_the_readable_prefix() -> None:
    (png,) = parse(corpus("13_truncated_mime.eml")).attachments
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert len(png.content) == 46


def test_forwarded_message_keeps_its_attachment_but_not_its_headers() -> None:
    parsed = parse(corpus("11_forwarded_rfc822.eml"))
    (csv,) = parsed.attachments
    assert csv.content.startswith(b"carton,contenu declare,contenu reel\n")
    outer, inner = parsed.text.split(FORWARDED_MARKER)
    assert "transitaire" in outer
    assert "Payez le douanier" in inner
    for value in all_strings(parsed):
        assert "mbeki" not in value.lower()
        assert "forwarder.example.com" not in value


def test_pgp_signature_is_neither_text_nor_attachment() -> None:
    parsed = parse(corpus("12_pgp_signed.eml"))
    assert parsed.attachments == ()
    assert "signature" not in parsed.text.lower()


# --------------------------------------------------------------- no header leaks

_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_RECEIVED_HOST = re.compile(r"\b(?:from|by)\s+\[?([A-Za-z0-9.-]+\.[A-Za-z]{2,}|[\d.]+)")


_SECRET_HEADER = re.compile(
    r"^(Received|X-Originating-IP|X-Mailer|User-Agent)[ \t]*:(.*(?:\r?\n[ \t].*)*)",
    flags=re.M | re.I,
)


def header_secrets(raw: bytes) -> tuple[set[str], set[str]]:
    """Values of Received/X-Originating-IP/X-Mailer/User-Agent lines anywhere in raw.

    Scanned textually, not parsed, so the headers of forwarded messages and those
    after a malformed line count too. Returns (values that must appear nowhere,
    host names that may appear only in message_id, as a Message-ID often names the
    sending host).
    """
    anywhere: set[str] = set()
    hosts: set[str] = set()
    for name, value in _SECRET_HEADER.findall(raw.decode("latin-1")):
        unfolded = " ".join(value.split()).strip("[]")
        anywhere.add(unfolded)
        anywhere.update(_IPV4.findall(unfolded))
        if name.lower() == "received":
            hosts.update(_RECEIVED_HOST.findall(unfolded))
            anywhere.update(re.findall(r"\bid\s+(\w{6,})", unfolded))
    return anywhere, hosts


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_routing_or_client_header_reaches_any_field(name: str) -> None:
    raw = corpus(name)
    anywhere, hosts = header_secrets(raw)
    assert any(_IPV4.fullmatch(v) for v in anywhere), "the corpus file must carry an IP"
    assert hosts, "the corpus file must carry a Received host"
    parsed = parse(raw)
    for value in all_strings(parsed):
        for secret in anywhere:
            assert secret not in value, (name, secret)
    for value in all_strings(parsed):
        if value is parsed.message_id:
            continue
        for host in hosts:
            assert host not in value, (name, host)
    for attachment in parsed.attachments:
        for secret in anywhere:
            assert secret.encode() not in attachment.content, (name, secret)


def test_headers_after_a_missing_blank_line_do_not_become_text() -> None:
    raw = (
        b"From: reporter@example.org\n"
        b"Subject: Smuggling\n"
        b"X-Mailer: Leaky Client 1.0\n"
        b"Dear sir, the port gate is left open on Sundays.\n"
        b"Second line.\n"
    )
    parsed = parse(raw)
    assert parsed.text == "Dear sir, the port gate is left open on Sundays.\nSecond line."
    assert "MissingHeaderBodySeparator" in parsed.defects


def test_a_broken_header_line_does_not_push_later_headers_into_the_text() -> None:
    raw = (
        b"From: reporter@example.org\n"
        b"Subject: Smuggling at the\n"
        b"lake\n"
        b"X-Originating-IP: 192.0.2.200\n"
        b"X-Mailer: Leaky Client 2.0\n"
        b"\n"
        b"Body text.\n"
    )
    parsed = parse(raw)
    assert parsed.text == "Body text."
    assert parsed.subject == "Smuggling at the lake"
    assert all("192.0.2.200" not in v and "Leaky" not in v for v in all_strings(parsed))


# ------------------------------------------------------------------ not an e-mail


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"  \r\n\n\t",
        b"Dear sir,\nI want to report a smuggler.\n",
        b"Hello there: this is my report\n\nMore text\n",
        b"Note: no message headers at all\n\nbody\n",
        b"\x00\x01\x02\xff\xfe" + bytes(range(256)) * 4,
        b"Subject: nothing else\nTo: report@example.org\n\n   \n",
        b"Lorem ipsum dolor\nFrom: r@example.org\nSubject: x\n\nbody\n",
    ],
    ids=[
        "empty",
        "whitespace",
        "plain-text",
        "space-in-name",
        "unknown-headers",
        "binary",
        "no-sender-no-body",
        "garbage-first-line",
    ],
)
def test_not_an_email(raw: bytes) -> None:
    with pytest.raises(NotAnEmail):
        parse(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"\xef\xbb\xbf\r\n\r\nFrom: r@example.org\r\n\r\nText behind a BOM and blank lines.\r\n",
        b"From r@example.org Mon Mar  3 09:00:00 2025\nFrom: r@example.org\n\nmbox line.\n",
        b"Subject : obsolete syntax\n\nText with no sender.\n",
        b"From: r@example.org\n",
    ],
    ids=["bom-and-blank-lines", "mbox-from-line", "obsolete-colon", "sender-but-no-body"],
)
def test_marginal_messages_are_parsed(raw: bytes) -> None:
    parsed = parse(raw)
    assert parsed.category == Category.OTHER
    assert "From" not in parsed.text
    assert "Subject" not in parsed.text


# ----------------------------------------------------------------------- codenames


@pytest.mark.parametrize(
    "written",
    [
        "4821 0937 5512 0084",
        "4821-0937-5512-0084",
        "4821.0937.5512.0084",
        "4821093755120084",
        ARABIC_INDIC_CODENAME,
        "٤٨٢١٠٩٣٧٥٥١٢٠٠٨٤",
        "۴۸۲۱ ۰۹۳۷ ۵۵۱۲ ۰۰۸۴",  # Extended Arabic-Indic (Persian/Urdu)
        "４８２１ ０９３７ ５５１２ ００８４",  # fullwidth
        "4821\u00a00937\u00a05512\u00a00084",
    ],
)
def test_codename_is_found_and_stripped_in_any_script(written: str) -> None:
    raw = message(f"Codename: {written}\nThe ledger is in the back office.\n")
    parsed = parse(raw)
    assert parsed.codename == CODENAME
    assert parsed.text == f"Codename: {CODENAME_PLACEHOLDER}\nThe ledger is in the back office."


def test_codename_in_the_subject_is_found_and_stripped_everywhere() -> None:
    raw = message(
        f"Again: {ARABIC_INDIC_CODENAME} and 4821 0937 5512 0084.\n",
        subject="Re: 4821-0937-5512-0084",
    )
    parsed = parse(raw)
    assert parsed.codename == CODENAME
    assert parsed.subject == f"Re: {CODENAME_PLACEHOLDER}"
    assert parsed.text == f"Again: {CODENAME_PLACEHOLDER} and {CODENAME_PLACEHOLDER}."


def test_codename_only_in_the_quote_is_still_found_and_never_returned() -> None:
    raw = message(
        "Here is more.\n\nOn Mon, 3 Mar 2025, Hotline <report@example.org> wrote:\n"
        "> Your codename: 4821 0937 5512 0084\n"
    )
    parsed = parse(raw)
    assert parsed.codename == CODENAME
    assert parsed.text == "Here is more."


def test_codename_in_an_attachment_name_is_stripped() -> None:
    raw = (
        b"From: r@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\ncode 4821 0937 5512 0084\n"
        b"--B\nContent-Type: application/pdf\n"
        b'Content-Disposition: attachment; filename="4821093755120084.pdf"\n\n%PDF-1.4\n--B--\n'
    )
    parsed = parse(raw)
    assert [a.name for a in parsed.attachments] == [f"{CODENAME_PLACEHOLDER}.pdf"]


@pytest.mark.parametrize(
    "text",
    [
        "card 1234 5678 9012 3456 7890",  # five groups: not a codename
        "123456789012345",  # fifteen digits
        "12345678901234567",  # seventeen digits
        "4821 0937 5512 008",
        "phone 0788 123 456, amount 1.000.000",
    ],
)
def test_other_numbers_are_not_codenames(text: str) -> None:
    assert find_codename(text) is None
    assert parse(message(text)).codename is None


# ------------------------------------------------------------------- case reference


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: [HL-7K3M-Q9PA] more information", "HL-7K3M-Q9PA"),
        ("re: hl-7k3m-q9pa", "HL-7K3M-Q9PA"),
        ("RE : Suivi HL-0000-ZZZZ merci", "HL-0000-ZZZZ"),
        ("HL-7K3M-Q9PI", None),  # I is not Crockford base32
        ("HL-7K3M-Q9PU", None),  # nor is U
        ("XHL-7K3M-Q9PA", None),
        ("HL-7K3M-Q9PA1", None),
        ("HL-7K3-Q9PA", None),
        ("no reference", None),
    ],
)
def test_case_reference(subject: str, expected: str | None) -> None:
    assert find_case_reference(subject) == expected
    assert parse(message("Text.", subject=subject)).case_reference == expected


# ------------------------------------------------------------------ quoted replies


@pytest.mark.parametrize(
    "quote",
    [
        "On Mon, 3 Mar 2025 at 09:15, Hotline <report@example.org> wrote:\n> QUOTED\n",
        "On Mon, 3 Mar 2025 at 09:15, Hotline <\nreport@example.org> wrote:\n\n> QUOTED\n",
        "Le lun. 3 mars 2025 à 09:15, Hotline <report@example.org> a écrit :\n> QUOTED\n",
        "في الاثنين، 3 مارس 2025 في 9:15 ص، Hotline <report@example.org> كتب:\n> QUOTED\n",
        "Mnamo Jumatatu, 3 Mac 2025, Hotline <report@example.org> aliandika:\n> QUOTED\n",
        "-----Original Message-----\nFrom: Hotline\nQUOTED\n",
        "________________________________\nFrom: Hotline <report@example.org>\n"
        "Sent: Tuesday, 4 March 2025 10:02\nTo: me@example.org\nSubject: Re\n\nQUOTED\n",
        "De : Hotline <report@example.org>\nEnvoyé : mardi 4 mars 2025 10:02\n"
        "À : moi@example.org\nObjet : Votre signalement\n\nQUOTED\n",
        "---- On Mon, 03 Mar 2025 09:15:00 +0000 Hotline <report@example.org> wrote ----\nQUOTED\n",
        "Hotline <report@example.org> wrote:\nQUOTED without quote marks\n",
    ],
    ids=[
        "gmail",
        "gmail-wrapped",
        "french",
        "arabic",
        "swahili",
        "original-message",
        "outlook",
        "outlook-french",
        "zoho",
        "bare-attribution",
    ],
)
def test_quoted_earlier_mail_is_removed(quote: str) -> None:
    parsed = parse(message(f"My new information.\n\n{quote}", subject="Re: report"))
    assert parsed.text == "My new information."


def test_quote_removal_keeps_bottom_posted_text() -> None:
    text = (
        "Top line.\n"
        "On Mon, 3 Mar 2025 at 09:15, Hotline <report@example.org> wrote:\n"
        "> Which warehouse?\n"
        "Warehouse 7, behind the station.\n"
    )
    assert remove_quoted(text) == "Top line.\nWarehouse 7, behind the station."


def test_quote_removal_is_conservative() -> None:
    prose = (
        "On Monday the officer wrote:\n"
        "'release the container without inspection'.\n"
        "From: the director\n"
        "Then he left.\n"
    )
    assert remove_quoted(prose) == prose.rstrip("\n")
    forwarded = "See below.\n---------- Forwarded message ---------\nFrom: a\n> kept\n"
    assert remove_quoted(forwarded) == forwarded.rstrip("\n")


def test_forwarded_subject_keeps_the_forwarded_text() -> None:
    body = (
        "See the exchange below.\n\n"
        "________________________________\nFrom: Broker <broker@example.com>\n"
        "Sent: Tuesday, 4 March 2025 10:02\nTo: me@example.org\nSubject: shipment\n\n"
        "Declare it as paper, as usual.\n"
    )
    assert "Declare it as paper" in parse(message(body, subject="FW: shipment")).text
    assert "Declare it as paper" not in parse(message(body, subject="RE: shipment")).text


# ------------------------------------------------------------------------ category
# detect_category itself: tests/routing/test_email_category.py


@pytest.mark.parametrize("header", ["To", "Cc", "Delivered-To", "X-Original-To"])
def test_plus_address_is_read_from_every_recipient_header(header: str) -> None:
    raw = (
        f"From: r@example.org\nTo: report@example.org\n{header}: report+retaliation@example.org\n"
        "Subject: Hello\n\nText.\n"
    ).encode()
    assert parse(raw).category == Category.RETALIATION


def test_local_part_is_configurable() -> None:
    raw = b"From: r@example.org\nTo: kafih+fraud@example.org\nSubject: Hello\n\nText.\n"
    assert parse(raw).category == Category.OTHER
    assert parse(raw, local_part="kafih").category == Category.TAXPAYER_FRAUD


# ----------------------------------------------------------------------------- HTML


def test_html_to_text_drops_script_style_and_keeps_breaks() -> None:
    markup = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>steal()</script><p>One&nbsp;&amp;\n  two</p><div>a<br>b<br/>c</div>"
        "<ul><li>x</li><li>y</li></ul><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        "<p onclick='evil()'>end &#x202E;mirror</p></body></html>"
    )
    assert html_to_text(markup) == (
        "One & two\n\na\nb\nc\nx\ny\n\n<script>alert(1)</script>\n\nend mirror"
    )


def test_html_block_elements_become_single_line_breaks() -> None:
    # Webmail writes one <div> per line and <div><br></div> for an empty line.
    markup = "<div>line one</div><div>line two</div><div><br></div><div>after a gap</div>"
    assert html_to_text(markup) == "line one\nline two\n\nafter a gap"
    assert html_to_text("<div>a<div>b</div>c</div>") == "a\nb\nc"


def test_hostile_html_nesting_is_still_converted() -> None:
    # 200,000 unclosed <div>s: flattened before sanitising, so it is filed, not hung on.
    parsed = parse(
        message("<div>x" * 200_000, charset="utf-8").replace(b"text/plain", b"text/html")
    )
    assert parsed.text.startswith("x\nx\n")


def test_html_alternative_is_used_when_the_plain_part_is_blank() -> None:
    raw = (
        b"From: r@example.org\nSubject: x\nContent-Type: multipart/alternative; boundary=A\n\n"
        b"--A\nContent-Type: text/plain\n\n  \n"
        b"--A\nContent-Type: text/html\n\n<p>Rich <b>only</b></p>\n--A--\n"
    )
    assert parse(raw).text == "Rich only"


def test_inline_images_of_the_html_alternative_are_kept() -> None:
    image = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    raw = (
        "From: r@example.org\nSubject: x\nContent-Type: multipart/alternative; boundary=A\n\n"
        "--A\nContent-Type: text/plain\n\nPlain text.\n"
        "--A\nContent-Type: multipart/related; boundary=R\n\n"
        "--R\nContent-Type: text/html\n\n<p>HTML text <img src='cid:i1'></p>\n"
        "--R\nContent-Type: image/png\nContent-ID: <i1>\nContent-Transfer-Encoding: base64\n\n"
        f"{image}\n--R--\n--A--\n"
    ).encode()
    parsed = parse(raw)
    assert parsed.text == "Plain text."
    assert [(a.name, a.claimed_type, a.content) for a in parsed.attachments] == [
        ("attachment", "image/png", b"\x89PNG\r\n\x1a\nfake")
    ]


# -------------------------------------------------------------------------- robustness


def test_text_is_capped() -> None:
    parsed = parse(message("x" * (MAX_TEXT_CHARS + 500)))
    assert len(parsed.text) == MAX_TEXT_CHARS
    assert parsed.text.endswith(TRUNCATION_NOTE)


def test_codename_is_stripped_before_truncation() -> None:
    body = "y" * (MAX_TEXT_CHARS - 20) + " 4821 0937 5512 0084 " + "z" * 100
    parsed = parse(message(body))
    assert parsed.codename == CODENAME
    assert "4821" not in parsed.text
    assert "0937" not in parsed.text


@pytest.mark.parametrize(
    "raw",
    [
        message("caf\xe9", charset="latin-1").replace(b"charset=latin-1", b"charset=x-nope"),
        message("text").replace(b"charset=utf-8", b"charset=base64"),
        message("text").replace(b"charset=utf-8", b'charset="unicode_escape"'),
        b"From: r@example.org\nContent-Type: multipart/mixed\n\nno boundary parameter\n",
        b"From: r@example.org\nContent-Type: multipart/mixed; boundary=Q\n\n--Q\n",
        b"From: r@example.org\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
        b"!!!not*base64***\n",
        b"From: r@example.org\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: quoted-printable\n\nbroken =Z= =E2=82 qp\n",
        b"From: r@example.org\nSubject: =?utf-8?B?@@@@?= =?x-unknown?Q?abc?=\n\nbody\n",
        b"From: <<<>>>\nTo: ,,,@@@\nSubject: x\n\nbody\n",
        b"From: r@example.org\nContent-Type: message/rfc822\n\nnot really a message\n",
        b"From: r@example.org\nContent-Type: ;;;\nContent-Disposition: ;;=\n\nbody\n",
    ],
)
def test_broken_input_never_raises(raw: bytes) -> None:
    parsed = parse(raw)
    assert isinstance(parsed, ParsedEmail)
    assert parsed.category in (
        Category.TAXPAYER_FRAUD,
        Category.STAFF_MISCONDUCT,
        Category.RETALIATION,
        Category.OTHER,
    )


def test_unknown_charset_is_decoded_with_replacement() -> None:
    raw = message("caf\xe9 ok", charset="latin-1").replace(b"charset=latin-1", b"charset=x-nope")
    parsed = parse(raw)
    assert parsed.text == "caf\ufffd ok"
    assert "UnknownCharset" in parsed.defects


def test_mislabelled_utf8_is_decoded_as_utf8() -> None:
    raw = message("Évasion", charset="utf-8").replace(b"charset=utf-8", b"charset=us-ascii")
    assert parse(raw).text == "Évasion"


def test_deep_nesting_is_bounded() -> None:
    depth = 60
    head = b"".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n".encode() for i in range(depth)
    )
    raw = b"From: r@example.org\n" + head + b"Content-Type: text/plain\n\ndeep\n"
    parsed = parse(raw)
    assert "NestingTooDeep" in parsed.defects
    assert parsed.text == ""


def test_one_bad_part_does_not_lose_the_others() -> None:
    raw = (
        b"From: r@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=B\n\n"
        b"--B\nContent-Type: text/plain; charset=x-nope\n\nfirst \xff part\n"
        b"--B\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n%%%%\n"
        b"--B\nContent-Type: text/plain; charset=utf-8\n\nsecond part\n--B--\n"
    )
    parsed = parse(raw)
    assert "first \ufffd part" in parsed.text
    assert "second part" in parsed.text
    assert [a.claimed_type for a in parsed.attachments] == ["application/pdf"]


def test_inline_pgp_signature_is_removed() -> None:
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        "The seals were replaced.\n- -- not a signature delimiter\n"
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEEfake\n=abcd\n"
        "-----END PGP SIGNATURE-----\n"
    )
    assert parse(message(body)).text == "The seals were replaced.\n-- not a signature delimiter"


def test_attachment_names_lose_paths_and_control_characters() -> None:
    raw = (
        b"From: r@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=B\n\n"
        b"--B\nContent-Type: application/octet-stream\n"
        b'Content-Disposition: attachment; filename="..\\\\..\\\\evil\x07.exe"\n\nMZ\n'
        b"--B\nContent-Type: application/octet-stream\n"
        b'Content-Disposition: attachment; filename="../../etc/passwd"\n\nroot\n'
        b"--B\nContent-Type: image/gif\nContent-Disposition: attachment\n\nGIF89a\n--B--\n"
    )
    names = [a.name for a in parse(raw).attachments]
    assert names == ["evil.exe", "passwd", "attachment"]


@pytest.mark.parametrize(
    ("from_header", "expected"),
    [
        ("Someone <First.Last@Example.ORG>", "First.Last@example.org"),
        ("first.last@EXAMPLE.org (comment)", "first.last@example.org"),
        ("=?utf-8?B?2LPYp9mF2Yo=?= <sami@example.org>", "sami@example.org"),
        ("undisclosed", None),
        ("<>", None),
        ("Name <no-at-sign>", None),
    ],
)
def test_sender(from_header: str, expected: str | None) -> None:
    raw = f"From: {from_header}\nSubject: x\n\nText.\n".encode()
    assert parse(raw).sender == expected


def test_defects_are_names_never_content() -> None:
    seen: set[str] = set()
    for name in EXPECTED:
        parsed = parse(corpus(name))
        for defect in parsed.defects:
            assert re.fullmatch(r"[A-Z][A-Za-z0-9]{2,60}", defect), defect
            assert defect not in parsed.text
        seen.update(parsed.defects)
    assert {"CloseBoundaryNotFoundDefect", "UnknownCharset", "InvalidHeaderDefect"} <= seen


def test_repr_shows_no_content() -> None:
    parsed = parse(corpus("15_followup_codename_reply.eml"))
    shown = repr(parsed)
    assert "taxpayer_fraud" in shown
    for secret in ("okafor", CODENAME, "KT", "20250317073000", "Customs"):
        assert secret not in shown
    attachment = EmailAttachment(
        name="secret-name.pdf", claimed_type="application/pdf", content=b"x"
    )
    assert "secret-name" not in repr(attachment)


def test_raw_8bit_bytes_in_headers_never_reach_the_fields_as_surrogates() -> None:
    raw = (
        b"From: \x80sender@example.org\r\n"
        b"Subject: caf\xe9 \x80 evasion\r\n"
        b"To: report@example.org\r\n\r\n"
        b"body text\r\n"
    )
    parsed = parse(raw)
    for value in (parsed.sender or "", parsed.subject, parsed.text):
        value.encode("utf-8")  # would raise on a lone surrogate
