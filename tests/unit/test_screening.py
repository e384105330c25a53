"""Note screening: what must be caught, what must pass, and that findings and highlighting are sound."""

from __future__ import annotations

import dataclasses
import html
import random
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.rules.screening import (
    ADDRESS,
    CARD_NUMBER,
    CLIENT_CODE_ALPHABET,
    DATE_OF_BIRTH,
    EMAIL,
    ID_NUMBER,
    KINDS,
    NAME,
    ONLINE_ACCOUNT,
    PHONE,
    REASONS,
    Finding,
    highlight,
    screen_note,
)

TODAY = date(2026, 11, 24)
HOTLINES = ("1-800-799-7233", "988", "741741", "1-800-787-3224", "211")


def screen(text: str, **kw) -> list[Finding]:
    kw.setdefault("today", TODAY)
    return screen_note(text, **kw)


# (note, kind, exact text that must be one finding)
POSITIVE = [
    # phone: default region, national and international formats
    ("Call her at (555) 123-4567 tonight.", PHONE, "(555) 123-4567"),
    ("cell 555.123.4567", PHONE, "555.123.4567"),
    ("She said to call her sister at 555-201-7788 after six.", PHONE, "555-201-7788"),
    ("number is 5551234567", PHONE, "5551234567"),
    ("work 555 123 4567", PHONE, "555 123 4567"),
    ("reach her on 1 (555) 123-4567", PHONE, "1 (555) 123-4567"),
    ("landline 867-5309", PHONE, "867-5309"),
    ("office 555-123-4567 ext. 12", PHONE, "555-123-4567 ext. 12"),
    ("Canada: +1 (416) 555-0199", PHONE, "+1 (416) 555-0199"),
    ("not on the allow-list: +1 800 799 7233", PHONE, "+1 800 799 7233"),
    ("London +44 20 7946 0958", PHONE, "+44 20 7946 0958"),
    ("Paris +33 1 23 45 67 89", PHONE, "+33 1 23 45 67 89"),
    ("dial 0044 20 7946 0958", PHONE, "0044 20 7946 0958"),
    ("from the US dial 011 44 20 7946 0958", PHONE, "011 44 20 7946 0958"),
    ("UK landline 020 7946 0958", PHONE, "020 7946 0958"),
    ("UK mobile 07700 900123", PHONE, "07700 900123"),
    ("Berlin 030 12345678", PHONE, "030 12345678"),
    ("India +91 98765 43210", PHONE, "+91 98765 43210"),
    ("Manila mobile 0917 123 4567", PHONE, "0917 123 4567"),
    ("Mexico +52 55 1234 5678", PHONE, "+52 55 1234 5678"),
    ("Germany +49 30 12345678", PHONE, "+49 30 12345678"),
    ("Philippines +63 917 123 4567", PHONE, "+63 917 123 4567"),
    ("Mobile: 07911 123456", PHONE, "07911 123456"),
    ("whatsapp +44 7700 900123", PHONE, "+44 7700 900123"),
    ("Arabic-Indic digits ٥٥٥-١٢٣-٤٥٦٧", PHONE, "٥٥٥-١٢٣-٤٥٦٧"),
    ("full-width ５５５－１２３－４５６７", PHONE, "５５５－１２３－４５６７"),
    # e-mail
    ("mail jane.doe@example.com", EMAIL, "jane.doe@example.com"),
    ("write to j_doe+safe@mail.co.uk now", EMAIL, "j_doe+safe@mail.co.uk"),
    ("her address is jane at gmail dot com", EMAIL, "jane at gmail dot com"),
    ("jane [at] gmail [dot] com", EMAIL, "jane [at] gmail [dot] com"),
    ("jane(at)yahoo(dot)com", EMAIL, "jane(at)yahoo(dot)com"),
    ("EMAIL JANE.DOE@EXAMPLE.COM", EMAIL, "JANE.DOE@EXAMPLE.COM"),
    # online accounts
    ("insta @jane_doe88", ONLINE_ACCOUNT, "@jane_doe88"),
    ("he keeps tagging @jd.smith", ONLINE_ACCOUNT, "@jd.smith"),
    ("see facebook.com/jane.doe.1988", ONLINE_ACCOUNT, "facebook.com/jane.doe.1988"),
    ("https://www.instagram.com/janedoe/", ONLINE_ACCOUNT, "https://www.instagram.com/janedoe/"),
    ("IG is jane.doe", ONLINE_ACCOUNT, "jane.doe"),
    ("snap: janedoe", ONLINE_ACCOUNT, "janedoe"),
    ("username is janedoe", ONLINE_ACCOUNT, "janedoe"),
    ("venmo @Jane-Doe", ONLINE_ACCOUNT, "@Jane-Doe"),
    ("cash app $JaneD88", ONLINE_ACCOUNT, "$JaneD88"),
    # addresses
    ("lives at 123 Main St now", ADDRESS, "123 Main St"),
    ("staying at 1600 Pennsylvania Avenue", ADDRESS, "1600 Pennsylvania Avenue"),
    ("221B Baker Street", ADDRESS, "221B Baker Street"),
    ("moved to 45 elm rd.", ADDRESS, "45 elm rd"),
    ("12 N Oak Blvd", ADDRESS, "12 N Oak Blvd"),
    ("7 Cherry Lane", ADDRESS, "7 Cherry Lane"),
    ("lives at 12 Oak Court with her mum", ADDRESS, "12 Oak Court"),
    ("350 5th Avenue", ADDRESS, "350 5th Avenue"),
    ("88 Willow Way", ADDRESS, "88 Willow Way"),
    ("she is in Apt 4B", ADDRESS, "Apt 4B"),
    ("Unit 12, second floor", ADDRESS, "Unit 12"),
    ("moved to apt #7", ADDRESS, "apt #7"),
    ("Suite 200", ADDRESS, "Suite 200"),
    ("mail goes to PO Box 123", ADDRESS, "PO Box 123"),
    ("P.O. Box 4567", ADDRESS, "P.O. Box 4567"),
    ("near Springfield, IL 62704", ADDRESS, "Springfield, IL 62704"),
    ("Springfield IL 62704-1234", ADDRESS, "Springfield IL 62704-1234"),
    ("Austin, Texas 78701", ADDRESS, "Austin, Texas 78701"),
    ("zip 62704", ADDRESS, "zip 62704"),
    ("London SW1A 1AA", ADDRESS, "SW1A 1AA"),
    ("Manchester M1 1AE", ADDRESS, "M1 1AE"),
    ("Ottawa K1A 0B1", ADDRESS, "K1A 0B1"),
    ("postcode SW1A1AA", ADDRESS, "postcode SW1A1AA"),
    ("Calle Loíza 1501", ADDRESS, "Calle Loíza 1501"),
    ("Calle 5 #23-45", ADDRESS, "Calle 5 #23-45"),
    ("Av. Reforma 222", ADDRESS, "Av. Reforma 222"),
    ("lives at 14 Rue de la Paix", ADDRESS, "14 Rue de la Paix"),
    ("Hauptstraße 12", ADDRESS, "Hauptstraße 12"),
    ("12 Oak St, Apt 4B, Springfield, IL 62704", ADDRESS, "12 Oak St, Apt 4B, Springfield, IL 62704"),
    # dates of birth
    ("03/14/1988", DATE_OF_BIRTH, "03/14/1988"),
    ("she gave 3/14/1988", DATE_OF_BIRTH, "3/14/1988"),
    ("14.03.1988", DATE_OF_BIRTH, "14.03.1988"),
    ("14/03/1988", DATE_OF_BIRTH, "14/03/1988"),
    ("1988-03-14", DATE_OF_BIRTH, "1988-03-14"),
    ("March 14, 1988", DATE_OF_BIRTH, "March 14, 1988"),
    ("Mar 14 1988", DATE_OF_BIRTH, "Mar 14 1988"),
    ("Sept. 3rd, 1979", DATE_OF_BIRTH, "Sept. 3rd, 1979"),
    ("14 March 1988", DATE_OF_BIRTH, "14 March 1988"),
    ("14th of March, 1988", DATE_OF_BIRTH, "14th of March, 1988"),
    ("seen 3/14/88", DATE_OF_BIRTH, "3/14/88"),
    ("DOB 3/14/88", DATE_OF_BIRTH, "3/14/88"),
    ("DOB: 3/14/2020", DATE_OF_BIRTH, "3/14/2020"),
    ("her son was born on 11/02/2026", DATE_OF_BIRTH, "11/02/2026"),
    ("d.o.b. 14.03.88", DATE_OF_BIRTH, "14.03.88"),
    ("birthday is March 14", DATE_OF_BIRTH, "March 14"),
    ("date of birth 14 March", DATE_OF_BIRTH, "14 March"),
    ("born March 1988", DATE_OF_BIRTH, "March 1988"),
    ("3/14 (birthday)", DATE_OF_BIRTH, "3/14"),
    ("DOB 19880314", DATE_OF_BIRTH, "19880314"),
    # ID and card numbers
    ("123-45-6789", ID_NUMBER, "123-45-6789"),
    ("ss card 123 45 6789", ID_NUMBER, "123 45 6789"),
    ("SSN 123456789", ID_NUMBER, "123456789"),
    ("SSN last 4: 6789", ID_NUMBER, "6789"),
    ("passport X1234567", ID_NUMBER, "X1234567"),
    ("driver's license D123-4567-8901", ID_NUMBER, "D123-4567-8901"),
    ("case number 2024-DV-001234", ID_NUMBER, "2024-DV-001234"),
    ("protective order no. 24-PO-5512", ID_NUMBER, "24-PO-5512"),
    ("A-number A123456789", ID_NUMBER, "A123456789"),
    ("ID: 987654321", ID_NUMBER, "987654321"),
    ("his plate 7ABC123", ID_NUMBER, "7ABC123"),
    ("Medicaid 12345678", ID_NUMBER, "12345678"),
    ("ref 123456789012", ID_NUMBER, "123456789012"),
    ("paid with 4111 1111 1111 1111", CARD_NUMBER, "4111 1111 1111 1111"),
    ("4111-1111-1111-1111", CARD_NUMBER, "4111-1111-1111-1111"),
    ("4111111111111111", CARD_NUMBER, "4111111111111111"),
    ("amex 378282246310005", CARD_NUMBER, "378282246310005"),
    ("card 5555 5555 5555 4444", CARD_NUMBER, "5555 5555 5555 4444"),
]

NEGATIVE = [
    "10 mg",
    "took 20mg twice",
    "at 3:30",
    "3:30pm",
    "12 nights",
    "for 2 weeks",
    "2 kids aged 4 and 7",
    "scored 7/10 on pain",
    "called 988",
    "911",
    "711 relay",
    "text START to 88788",
    "on 11/02/2026 she said",
    "safety plan updated 12/01/2025",
    "on 3/4/24 she said",
    "in 2019",
    "married since 1995",
    "room 12",
    "room 12B",
    "$250",
    "$1500000",
    "50%",
    "the K7F-3QX code",
    "the 234-567 code",
    "1-800-799-7233",
    "gave her 1 800 799 7233 and 988",
    "text 741741",
    "every 3-4 days",
    "v2.1",
    "version 2.1.10",
    "had 2 Family Court hearings",
    "took a 20 minute drive",
    "met 3 times at the court",
    "lives 5 miles down the road",
    "apartment 2 weeks ago",
    "looked at 2 apartments",
    "1 2 3 4 5 6 7 8 9 10",
    "scores 12 14 16 18",
    "0-10 pain scale: 7",
    "between 0800 and 1700",
    "$1,250,000",
    "2019-2020",
    "pages 123-145",
    "10-12 weeks",
    "BP 120/80",
    "temp 98.6",
    "24/7 support",
    "9/11 anniversary",
    "12/25 was hard",
    "Monday 3/14 at 3pm",
    "March 2024",
    "PHQ-9 score 14",
    "Form I-360 filed",
    "Section 8 voucher",
    "ID expires 2027",
    "in case 2024 goes badly",
    "copy of passport from 2019",
    "she was at home. Co-worker called",
    "B12 1mg daily",
    "went to 2 St Patrick's day parties",
    "ref 2024-001234",
    "@home by 9",
    "meet @3pm",
    "@court",
    "she blocked him on facebook and IG",
    "the door handle broke",
    "he has 3 handles",
    "paid $USD 20",
    "see www.thehotline.org/help",
    "Spring 2027",
    "Calle 8",
    "Court date 12/03/2026 for the protective order hearing at 9:30am, Courtroom 4B.",
    "She has 3 kids (ages 2, 5, 11). Oldest at Lincoln Elementary.",
    "Rent is $1,150/mo, behind 2 months. Applied for Section 8 on 10/15/2026.",
    "Took 2 x 50mg sertraline. Sleeping 4-5 hrs.",
    "Her mom lives at the end of Maple St. — not safe.",
    "Met in Room 210 of the courthouse. Shelter bed 14, floor 2.",
    "VAWA self-petition (I-360) filed 09/2026.",
    "Income ~$2,400/month, 2 jobs, 60 hrs/week.",
    "Called 911 twice on 11/20 and 11/21. Texted at 23:45.",
    "Lethality assessment score 18/20.",
    "She is 27 and pregnant, due in March 2027.",
    "Hotel room 312 for 3 nights, paid by voucher #4471.",
    "Partner released from jail 11.19.2026; order expires 11/20/2027.",
    "98.6F, BP 130/85, HR 88",
    "Incident log: 3/1, 3/5, 3/9",
    "1 in 4 women experience severe violence",
    "10 x 10 storage unit",
]


@pytest.mark.parametrize(("note", "kind", "expected"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_identifiers_are_found(note, kind, expected):
    found = [(f.kind, f.text) for f in screen(note)]
    assert (kind, expected) in found


@pytest.mark.parametrize("note", NEGATIVE)
def test_everyday_numbers_pass(note):
    assert screen(note, allowed_numbers=HOTLINES) == []


def test_the_tables_are_broad():
    assert len(POSITIVE) >= 40 and len(NEGATIVE) >= 30
    assert {kind for _, kind, _ in POSITIVE} == set(KINDS) - {NAME}  # names: test_screening_names.py


def check_sound(text: str, findings: list[Finding]) -> None:
    previous_end = 0
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start:f.end] == f.text
        assert f.start >= previous_end
        assert f.kind in KINDS and f.reason == REASONS[f.kind]
        previous_end = f.end


LONG_NOTE = (
    "Met at the library. She is staying with a friend at 48 Birch Ave, Apt 2C, Dayton, OH 45402 "
    "(friend's cell 937-555-0143, email friend.name@example.org). DOB 04/17/1991. Took 20mg twice; "
    "slept 6 hours. Kids aged 4 and 7 doing ok. Gave 1-800-799-7233 and 988 again. Scored 7/10 on pain. "
    "On 11/02/2026 she said the SSN 123-45-6789 card and passport X7654321 are with him. "
    "He used card 4111 1111 1111 1111. Next visit in 2 weeks, room 12."
)


def test_offsets_are_exact_sorted_and_disjoint():
    findings = screen(LONG_NOTE, allowed_numbers=HOTLINES)
    check_sound(LONG_NOTE, findings)
    assert [(f.kind, f.text) for f in findings] == [
        (ADDRESS, "48 Birch Ave, Apt 2C, Dayton, OH 45402"),
        (PHONE, "937-555-0143"),
        (EMAIL, "friend.name@example.org"),
        (DATE_OF_BIRTH, "04/17/1991"),
        (ID_NUMBER, "123-45-6789"),
        (ID_NUMBER, "X7654321"),
        (CARD_NUMBER, "4111 1111 1111 1111"),
    ]
    for note, _, _ in POSITIVE:
        check_sound(note, screen(note))


def test_numbers_deep_in_a_long_note_keep_their_offsets():
    note = "She talked about school. " * 60 + "Her aunt is on 07700 900123, or +44 20 7946 0958. " * 3
    findings = screen(note)
    check_sound(note, findings)
    assert [f.text for f in findings] == ["07700 900123", "+44 20 7946 0958"] * 3


def test_overlapping_matches_become_one_finding():
    note = "SSN: 123-45-6789 and DOB 1988-03-14."
    findings = screen(note)
    assert [(f.kind, f.text) for f in findings] == [(ID_NUMBER, "123-45-6789"), (DATE_OF_BIRTH, "1988-03-14")]


def test_allow_list_compares_digits_and_hides_only_those_numbers():
    note = "Gave her 1-800-799-7233; her cousin is on 555-201-7788."
    assert [f.text for f in screen(note)] == ["1-800-799-7233", "555-201-7788"]
    for form in ("1-800-799-7233", "18007997233", "+1 (800) 799-7233", "800.799.7233"):
        assert [f.text for f in screen(note, allowed_numbers=[form])] == ["555-201-7788"]
    assert [f.text for f in screen("+1 800 799 7233", allowed_numbers=HOTLINES)] == []


def test_region_decides_national_formats():
    assert [f.kind for f in screen("ring 020 7946 0958", region="GB")] == [PHONE]
    assert [f.kind for f in screen("ring 555-201-7788", region="CA")] == [PHONE]
    assert screen("called 999 and 111", region="GB") == []
    assert [f.kind for f in screen("ring 555-201-7788", region="ZZ")] == [PHONE]  # unknown region: US


def test_birth_date_rule_follows_the_clock():
    assert screen("on 11/02/2010 she said", today=date(2026, 11, 24)) != []
    assert screen("on 11/02/2010 she said", today=date(2012, 1, 1)) == []
    assert screen("on 02/30/1990 she said") == []  # not a real date in either order
    assert screen_note("seen 03/14/1988") != []  # default clock


def test_client_codes_are_never_flagged():
    import models.services.clients as clients

    assert CLIENT_CODE_ALPHABET == clients.CODE_ALPHABET
    rng = random.Random(7)
    for _ in range(500):
        code = "".join(rng.choice(CLIENT_CODE_ALPHABET) for _ in range(6))
        for written in (f"{code[:3]}-{code[3:]}", code):
            note = f"Same household as {written}; see {written} notes."
            assert screen(note) == [], note
    assert screen(f"client {clients.generate_code()} checked in") == []


def test_removing_the_findings_leaves_a_clean_note():
    notes = [LONG_NOTE, "Call 555-123-4567 or jane@example.com, DOB March 14, 1988.",
             "She lives at 12 Oak St, Apt 4B, Springfield, IL 62704 (zip 62704).",
             "SSN 123-45-6789, card 4111-1111-1111-1111, passport X1234567, +44 20 7946 0958.",
             "IG @jane_doe88, facebook.com/jane.doe, Calle Loíza 1501, born 14 March 1988."]
    for note in notes:
        findings = screen(note, allowed_numbers=HOTLINES)
        assert findings
        cleaned = note
        for f in reversed(findings):
            cleaned = cleaned[:f.start] + cleaned[f.end:]
        assert screen(cleaned, allowed_numbers=HOTLINES) == [], cleaned


def test_finding_is_immutable_and_reasons_never_repeat_the_number():
    finding = screen("call 555-123-4567")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 0  # type: ignore[misc]
    assert "555" not in finding.reason and finding.reason.endswith(".")


def test_screening_prints_nothing(capsys):
    screen(LONG_NOTE)
    highlight(LONG_NOTE, screen(LONG_NOTE))
    assert capsys.readouterr() == ("", "")


def test_empty_note_has_no_findings():
    assert screen("") == [] and highlight("", []) == ""


# --------------------------------------------------------------------------- highlight


TAG = re.compile(r"<[^>]*>")
OUR_TAGS = re.compile(r'<br>|</mark>|<mark class="screening-finding" data-kind="[a-z_]+" title="[^"<>]*">')


def shown_text(rendered: str) -> str:
    """What a browser shows: tags dropped, entities decoded, line breaks back."""
    return html.unescape(TAG.sub("", rendered.replace("<br>", "\n"))).replace("\xa0", " ")


def test_highlight_marks_findings_with_their_reason():
    note = "Call 555-123-4567 now."
    out = highlight(note, screen(note))
    assert out.count("<mark ") == 1 and out.count("</mark>") == 1
    assert 'data-kind="phone"' in out and "Looks like a phone number" in out
    assert re.search(r"<mark [^>]*>555&#45;123&#45;4567</mark>", out)
    assert shown_text(out) == note


def test_highlight_escapes_html_and_markdown():
    note = ('<script>alert("x")</script> **bold** _it_ [link](javascript:alert(1)) `code` $x$ '
            "# not a heading\n    not code\n- not a list\n1. nor this & 'that' | table | ~strike~ "
            "call 555-123-4567 <img src=x onerror=alert(1)>")
    out = highlight(note, screen(note))
    assert "<script" not in out and "<img" not in out
    assert all(OUR_TAGS.fullmatch(tag) for tag in TAG.findall(out))
    bare = re.sub(r"&(?:#\d+|nbsp);", "", TAG.sub("", out))
    for ch in "*_[]()`$#|~&'\"-.!<>:":
        assert ch not in bare
    assert "\n" not in out  # one line: nothing can start a Markdown block
    assert shown_text(out) == note


def test_highlight_keeps_leading_and_repeated_spaces_inert():
    out = highlight("    indented", [])
    assert out.startswith("&nbsp;&nbsp;&nbsp;&nbsp;") and shown_text(out) == "    indented"


def test_highlight_skips_bad_findings():
    note = "call 555-123-4567"
    good = screen(note)[0]
    bad = [Finding(50, 60, PHONE, REASONS[PHONE], "x"), Finding(0, 4, PHONE, "<b>", "call"),
           Finding(2, 8, PHONE, REASONS[PHONE], "ll 555")]
    out = highlight(note, [good, *bad])
    assert out.count("<mark ") == 2 and "<b>" not in out and shown_text(out) == note


def test_highlight_skips_findings_of_an_older_version_of_the_note():
    findings = screen("call 555-123-4567")
    assert highlight("call 555-123-4567", findings).count("<mark ") == 1
    assert "<mark" not in highlight("phone 555-123-4567", findings)


def test_highlight_reason_cannot_break_out_of_the_attribute():
    out = highlight("abc", [Finding(0, 3, "phone", '"><script>x</script>', "abc")])
    assert "<script" not in out and all(OUR_TAGS.fullmatch(tag) for tag in TAG.findall(out))


# --------------------------------------------------------------------------- properties


NUMBERISH = st.text(alphabet="0123456789 -./()+:#,@ABCKQXaot\n", max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=500), NUMBERISH))
def test_screening_never_raises_and_offsets_are_sound(text):
    findings = screen_note(text, allowed_numbers=HOTLINES, today=TODAY)
    check_sound(text, findings)
    out = highlight(text, findings)
    assert all(OUR_TAGS.fullmatch(tag) for tag in TAG.findall(out))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=400).map(lambda s: (s * (20_000 // len(s) + 1))[:20_000]))
def test_long_unicode_text_completes(text):
    assert len(text) == 20_000
    check_sound(text, screen_note(text))


@pytest.mark.parametrize("alphabet", ["0123456789 -./", "0 ", "1-", "a1 ", "Apt 1 ", "9" * 10, "x"])
def test_long_adversarial_text_completes(alphabet):
    rng = random.Random(1)
    text = "".join(rng.choice(alphabet) for _ in range(20_000))
    check_sound(text, screen_note(text))
