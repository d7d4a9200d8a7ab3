"""Measure the mail-understanding layer against the shared corpora (read in place, never
copied). Used by tests/mail/test_corpus.py; run on its own to print every rate:

    uv run python -m tests.mail.corpus_eval [--verbose]

Each ``evaluate_*`` function returns a :class:`SetResult` (name, passed, total, failures).
How expectations written for other software are read is documented function by function.
"""

from __future__ import annotations

import base64
import email
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from frontline.mail.htmltext import html_to_text
from frontline.mail.parse import parse_message
from frontline.mail.reply import extract_reply, split_signature
from frontline.mail.sanitize import sanitize_html

DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "corpora"


@dataclass
class SetResult:
    name: str
    passed: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def add(self, ok: bool, label: str) -> None:
        self.total += 1
        if ok:
            self.passed += 1
        else:
            self.failures.append(label)

    def line(self) -> str:
        return f"{self.name}: {self.passed}/{self.total} = {self.rate:.1%}"


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


# --- mail/zammad ---------------------------------------------------------------------------


def _load_zammad_yml(path: Path) -> dict[str, Any]:
    """Zammad's .yml files are Ruby-tagged YAML: every ``!ruby/...`` tag is read as a plain
    mapping, ``!binary`` as base64 bytes."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if suffix == "binary":
            return base64.b64decode(loader.construct_scalar(node))  # type: ignore[arg-type]
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", construct)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - safe base
    return data if isinstance(data, dict) else {}


def _size(data: Any) -> int:
    if isinstance(data, bytes):
        return len(data)
    return len((data or "").encode("utf-8"))


def evaluate_zammad(root: Path) -> tuple[SetResult, SetResult]:
    """(messages parsed, fields matched) for mail/zammad.

    Fields per mail: from_email, from_display_name, subject, attachments, body. Reading of
    Zammad's expectations: subjects and bodies are compared whitespace-collapsed and NFC;
    the body of an HTML mail is compared as text (html_to_text of Zammad's cleaned HTML vs
    of our sanitised HTML, links not annotated) after removing the <title> text that
    Zammad shows as body text (taken from its own copy of the original HTML); "no visible
    content" is Zammad's placeholder for an empty body; the "message.html" entry that
    Zammad adds for HTML mails (preferences: content-alternative) is not an attachment.
    Attachments compare as a multiset of (filename, content type, size, Content-ID).
    """
    parsed = SetResult("mail/zammad parsed")
    fields = SetResult("mail/zammad fields")
    for yml in sorted((root / "mail" / "zammad").glob("*.yml")):
        expected = _load_zammad_yml(yml)
        try:
            result = parse_message(yml.with_suffix(".box").read_bytes())
        except Exception as exc:  # a raise is the failure this counts
            parsed.add(False, f"{yml.name}: {exc!r}")
            continue
        broken = [d for d in result.defects if "could not be parsed" in d or "not fully" in d]
        parsed.add(not broken, f"{yml.name}: {broken}")

        checks: dict[str, tuple[Any, Any]] = {
            "from_email": (result.from_email, expected.get("from_email") or ""),
            "from_display_name": (
                result.from_display_name,
                expected.get("from_display_name") or "",
            ),
            "subject": (_norm(result.subject), _norm(expected.get("subject"))),
        }
        real = [
            a
            for a in expected.get("attachments") or []
            if "content-alternative" not in (a.get("preferences") or {})
        ]
        checks["attachments"] = (
            sorted((a.filename, a.content_type, a.size, a.content_id) for a in result.attachments),
            sorted(
                (
                    unicodedata.normalize("NFC", a.get("filename") or ""),
                    ((a.get("preferences") or {}).get("Mime-Type") or "").lower(),
                    _size(a.get("data")),
                    ((a.get("preferences") or {}).get("Content-ID") or "").strip("<>") or None,
                )
                for a in real
            ),
        )
        body = expected.get("body") or ""
        if body.strip() == "no visible content":
            body = ""
        if expected.get("content_type") == "text/html":
            ours = (
                html_to_text(result.body_html_sanitized, links=False)
                if result.body_html_sanitized is not None
                else result.body_text
            )
            theirs = _norm(html_to_text(body, links=False))
            original = next(
                (
                    a.get("data")
                    for a in expected.get("attachments") or []
                    if "content-alternative" in (a.get("preferences") or {})
                ),
                None,
            )
            if isinstance(original, bytes):
                original = original.decode("utf-8", "replace")
            title = re.search(r"<title[^>]*>(.*?)</title>", original or "", re.I | re.S)
            title_text = _norm(html_to_text(title.group(1))) if title else ""
            if title_text and theirs.startswith(title_text):
                theirs = theirs[len(title_text) :].strip()
            checks["body"] = (_norm(ours), theirs)
        else:
            checks["body"] = (_norm(result.body_text), _norm(body))
        for name, (got, want) in checks.items():
            fields.add(got == want, f"{yml.name} {name}: got {got!r:.200} want {want!r:.200}")
    return parsed, fields


# --- reply extraction ----------------------------------------------------------------------


def evaluate_discourse(root: Path) -> SetResult:
    """reply/discourse: our reply (without signature) vs trimmed/, whitespace-collapsed."""
    result = SetResult("reply/discourse")
    base = root / "reply" / "discourse"
    for path in sorted((base / "emails").iterdir()):
        expected = (base / "trimmed" / path.name).read_text(encoding="utf-8")
        got = extract_reply(path.read_text(encoding="utf-8")).reply
        result.add(_norm(got) == _norm(expected), f"{path.name}: got {got[:120]!r}")
    return result


def evaluate_talon(root: Path) -> SetResult:
    """reply/talon: quotation cases compare our unquoted text (reply + signature: talon's
    extract_from_plain/html keeps signatures); HTML cases compare text; signature cases
    use split_signature. Cases whose expectation holds only under a test-time patch of
    talon's internals (``decorators``) are skipped, as the fixture file says."""
    result = SetResult("reply/talon")
    base = root / "reply" / "talon"
    for name in ("expected_plain_reply_extraction.jsonl", "expected_html_reply_extraction.jsonl"):
        for line in (base / name).read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            if case.get("decorators"):
                continue
            given = case["input"][0] if isinstance(case["input"], list) else case["input"]
            if "html" in name:
                got = extract_reply(html_to_text(given), html=True).reply_with_signature
                want = html_to_text(case["expected"])
            else:
                got = extract_reply(given).reply_with_signature
                want = case["expected"]
            result.add(_norm(got) == _norm(want), f"{case['id']}: got {got[:120]!r}")
    for line in (base / "expected_signature_split.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case.get("decorators"):
            continue
        got_pair = split_signature(case["input"])
        result.add(list(got_pair) == case["expected"], f"{case['id']}: got {got_pair!r}")
    fixtures = json.loads((base / "expected_fixture_files.json").read_text(encoding="utf-8"))
    for name, spec in fixtures.items():
        path = base / name
        if "raw file" in spec["function"]:
            got = extract_reply(path.read_text(encoding="utf-8", errors="replace")).reply
            result.add(bool(got.strip()) and "From" not in got, f"{name}: got {got[:120]!r}")
            continue
        if name.endswith(".eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
            got = extract_reply(str(part.get_content())).reply_with_signature
        else:
            text = html_to_text(path.read_text(encoding="utf-8", errors="replace"))
            got = extract_reply(text, html=True).reply_with_signature
        result.add(_norm(got) == _norm(spec["expected"]), f"{name}: got {got[:120]!r}")
    return result


def _erp_problems(spec: dict[str, Any], reply: str, seconds: float) -> list[str]:
    """email_reply_parser's assertions are about its fragments. Read as statements about
    the visible reply: visible_reply_equals and reply_(not_)contains directly; a fragment
    that is not hidden and not quoted must appear in the reply, a hidden one must not
    (snippets shorter than four characters are too ambiguous to test); fragment counts
    and flags of quoted-but-visible fragments have no counterpart and are not checked."""
    problems: list[str] = []
    if seconds > spec.get("max_seconds", 1):
        problems.append(f"took {seconds:.2f}s")
    for key in ("visible_reply_equals", "visible_reply_equals_after_strip"):
        if key in spec and _norm(reply) != _norm(spec[key]):
            problems.append(key)
    problems += [f"missing {s!r}" for s in spec.get("reply_contains", []) if s not in reply]
    problems += [f"contains {s!r}" for s in spec.get("reply_not_contains", []) if s in reply]
    hidden = spec.get("hidden")
    quoted = spec.get("quoted") or []
    for key in ("fragment_equals", "fragment_regex", "fragment_contains", "fragment_contains_2"):
        for index_text, value in (spec.get(key) or {}).items():
            index = int(index_text)
            is_hidden = hidden[index] if hidden else index > 0
            if index < len(quoted) and quoted[index] and not is_hidden:
                continue
            if key == "fragment_regex":
                snippet, present = value, bool(re.search(value, reply, re.M))
            else:
                snippet = value.strip().split("\n")[0]
                present = snippet in reply
            if is_hidden and present and len(snippet.strip()) > 3:
                problems.append(f"hidden fragment {index} shown")
            if not is_hidden and not present:
                problems.append(f"visible fragment {index} missing")
    return problems


def evaluate_email_reply_parser(root: Path) -> SetResult:
    result = SetResult("reply/email_reply_parser")
    base = root / "reply" / "email_reply_parser"
    for which in ("github", "zapier"):
        expected = json.loads((base / f"expected_{which}.json").read_text(encoding="utf-8"))
        for name, spec in expected.items():
            if name.startswith("_"):
                continue
            text = (base / f"{which}_emails" / name).read_text(encoding="utf-8", errors="replace")
            start = time.process_time()  # CPU time: a busy machine does not fail the case
            reply = extract_reply(text).reply
            problems = _erp_problems(spec, reply, time.process_time() - start)
            result.add(not problems, f"{which}/{name}: {problems}")
    return result


# --- sanitizer -----------------------------------------------------------------------------

_BAD_TAGS = {
    "script", "iframe", "object", "embed", "applet", "frame", "frameset", "style", "link",
    "meta", "base", "form", "input", "button", "textarea", "select", "svg", "math",
    "template", "noscript", "video", "audio", "source", "marquee", "isindex",
}  # fmt: skip
_URL_ATTRS = {
    "href", "src", "action", "formaction", "xlink:href", "background", "poster", "lowsrc",
    "dynsrc", "data", "codebase", "cite", "srcset",
}  # fmt: skip
_BAD_SCHEME_RE = re.compile(r"^(?:javascript|vbscript|data|livescript|mocha):")
_BAD_STYLE_RE = re.compile(r"url\(|expression|javascript|vbscript|behavior|binding|@import")


class _SafetyCheck(HTMLParser):
    """What a browser would run or fetch: forbidden elements, event handlers, script/data
    URLs in any URL attribute, CSS that loads or runs, remote images that load unasked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BAD_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            compact = re.sub(r"[\s\x00-\x1f]+", "", value or "").lower()
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if name in _URL_ATTRS and _BAD_SCHEME_RE.match(compact):
                self.problems.append(f"{name}={compact[:30]}")
            if name == "src" and compact.startswith(("http:", "https:", "//")):
                self.problems.append("remote image loads")
            if name == "style" and _BAD_STYLE_RE.search(compact):
                self.problems.append(f"style {compact[:30]}")

    handle_startendtag = handle_starttag


def unsafe_parts(html: str) -> list[str]:
    """Problems found in (sanitised) HTML, per :class:`_SafetyCheck`."""
    check = _SafetyCheck()
    check.feed(html)
    check.close()
    return check.problems


def evaluate_sanitizer(root: Path) -> SetResult:
    """Both sanitizer/ sets: nothing executable or self-loading survives sanitize_html."""
    result = SetResult("sanitizer")
    base = root / "sanitizer"
    zammad = json.loads((base / "zammad_html_sanitizer_strict_cases.json").read_text())
    dompurify = json.loads((base / "dompurify_expect.json").read_text())
    inputs = [c["input"] for c in zammad["cases"]] + [c["payload"] for c in dompurify["cases"]]
    for index, dirty in enumerate(inputs):
        problems = unsafe_parts(sanitize_html(dirty))
        result.add(not problems, f"case {index}: {problems} in {dirty[:80]!r}")
    return result


# --- classification --------------------------------------------------------------------------


def _with_header(line: str) -> bytes:
    name = line.split(":", 1)[0].lower()
    base = {
        "From": "Someone <someone@example.com>",
        "To": "help@example.com",
        "Subject": "Printer broken",
        "Message-ID": "<case@example.com>",
    }
    head = "".join(f"{k}: {v}\n" for k, v in base.items() if k.lower() != name)
    body = "Hello\n"
    boundary = re.search(r'boundary="([^"]+)"', line)
    if boundary:
        b = boundary.group(1)
        body = f"--{b}\nContent-Type: text/plain\n\nfailed\n--{b}--\n"
    return f"{head}{line}\n\n{body}".encode()


def evaluate_osticket(root: Path) -> SetResult:
    """mail/osticket: each header, in an otherwise ordinary message, must make it a bounce
    (must_be_detected_as_bounce) or automatic and not a bounce (…_auto_reply; osTicket
    calls any robot mail an auto-reply: ``Auto-Submitted: auto-generated`` is automatic
    but not a reply in our terms, auto_kind None)."""
    result = SetResult("mail/osticket")
    data = json.loads((root / "mail" / "osticket" / "auto_generated_headers.json").read_text())
    for line in data["must_be_detected_as_bounce"]:
        parsed = parse_message(_with_header(line))
        ok = parsed.is_auto_generated and parsed.auto_kind == "bounce"
        result.add(ok, f"bounce {line!r}: {parsed.auto_kind}")
    for line in data["must_be_detected_as_auto_reply"]:
        parsed = parse_message(_with_header(line))
        ok = parsed.is_auto_generated and parsed.auto_kind in ("auto-reply", None)
        result.add(ok, f"auto-reply {line!r}: {parsed.auto_kind}")
    case = data["recipient_parsing_case"]
    parsed = parse_message(case["raw"].encode())
    want = case["expected"]
    ok = parsed.subject == want["subject_decoded"] and parsed.body_text == want["body_decoded"]
    result.add(ok, f"recipient case: {parsed.subject!r} {parsed.body_text!r}")
    return result


def _flanker_kind(spec: dict[str, Any]) -> str | None:
    """What flanker's suite asserts, or the collector's help desk expectation says."""
    asserted = spec.get("expected_from_tests") or {}
    note = spec.get("helpdesk_expectation", "").lower()
    if asserted.get("is_bounce") or asserted.get("is_delivery_notification"):
        return "bounce"
    if asserted.get("is_bounce") is False or note.startswith("regular"):
        return "regular"
    if note.startswith(("bounce", "delay")):
        return "bounce"
    if "feedback-report" in note or "complaint" in note:
        return "complaint"
    if "read receipt" in note:
        return "receipt"
    return None  # only "must not crash / must stay bounded"


def evaluate_flanker(root: Path) -> SetResult:
    result = SetResult("mail/flanker")
    base = root / "mail" / "flanker"
    expected = json.loads((base / "expected_classification.json").read_text())
    for name, spec in expected.items():
        if name.startswith("_"):
            continue
        start = time.process_time()  # CPU time, as in tests/mail/cputime.py
        parsed = parse_message((base / "messages" / name).read_bytes())
        seconds = time.process_time() - start
        kind = _flanker_kind(spec)
        if kind == "regular":
            ok = not parsed.is_auto_generated
        elif kind is None:
            ok = seconds < 3
        else:
            ok = parsed.is_auto_generated and parsed.auto_kind == kind
        result.add(ok, f"{name}: {parsed.auto_kind} ({seconds:.2f}s) want {kind}")
    return result


def evaluate_all(root: Path = DEFAULT_ROOT) -> list[SetResult]:
    """Every set, in the order of the corpora README."""
    parsed, fields = evaluate_zammad(root)
    return [
        parsed,
        fields,
        evaluate_flanker(root),
        evaluate_osticket(root),
        evaluate_discourse(root),
        evaluate_talon(root),
        evaluate_email_reply_parser(root),
        evaluate_sanitizer(root),
    ]


def main(argv: list[str]) -> int:
    results = evaluate_all()
    reply = [r for r in results if r.name.startswith("reply/")]
    for result in results:
        print(result.line())
        if "--verbose" in argv:
            for failure in result.failures:
                print(f"    {failure}")
    passed, total = sum(r.passed for r in reply), sum(r.total for r in reply)
    print(f"reply extraction, all sets: {passed}/{total} = {passed / total:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
