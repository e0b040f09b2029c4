"""A corpus of hostile and malformed text, by category, shared by the services and app tests.

Each entry has a stable name (the pytest id) and a category. The huge strings (1 MB and more)
are built at run time by `huge()` so the module stays cheap to import. `storable()` says whether
Postgres can hold a string at all (no NUL, no lone surrogate): the bot cannot write the others
into its tables, but a person can still type or paste them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hostile:
    name: str
    category: str
    text: str


def _entries() -> list[Hostile]:
    out: list[Hostile] = []

    def add(category: str, name: str, text: str) -> None:
        out.append(Hostile(f"{category}-{name}", category, text))

    # Rich / Textual markup: must be shown as typed, never applied.
    for name, text in {
        "bold": "[bold]Анна[/bold]",
        "red": "[red]alarm[/red]",
        "link": "[link=https://evil.example]нажмите[/link]",
        "click": "[@click=app.quit]quit[/]",
        "action": "[@click=app.logout]выйти[/]",
        "close-all": "[/]",
        "open-only": "[bold",
        "lone-open": "[",
        "lone-close": "]",
        "escaped": "\\[bold]not bold\\[/bold]",
        "nested": "[b][i][u]x[/u][/i][/b]",
        "on-colour": "[white on red]ВНИМАНИЕ[/]",
        "emoji-code": ":smile: :warning:",
        "textual-var": "[$accent]x[/]",
        "reverse": "[reverse blink]x[/]",
        "meta": "[link='x' @click=app.bell()]x[/]",
        "unbalanced": "[/bold] начало",
        "brackets-name": "Мария [VIP]",
        "many": "[b]" * 50,
        "tag-in-word": "a[b]c[/b]d",
    }.items():
        add("markup", name, text)

    # ANSI / OSC / DCS escape sequences: must reach the terminal as visible text only.
    for name, text in {
        "sgr-red": "\x1b[31mКРАСНЫЙ\x1b[0m",
        "clear-screen": "\x1b[2J\x1b[H",
        "cursor-home": "\x1b[H",
        "cursor-up": "\x1b[10A",
        "erase-line": "\x1b[2K",
        "title": "\x1b]0;pwned\x07",
        "title-st": "\x1b]2;pwned\x1b\\",
        "hyperlink": "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
        "clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07",
        "dcs": "\x1bPq#0;2;0;0;0\x1b\\",
        "device-status": "\x1b[6n",
        "alt-screen": "\x1b[?1049h",
        "reset": "\x1bc",
        "c1-csi": "\x9b31m",
        "c1-osc": "\x9d0;pwned\x9c",
        "mouse-on": "\x1b[?1000h",
        "bracketed-paste-end": "\x1b[201~",
        "keypad": "\x1b=",
        "truncated": "\x1b[",
        "lone-esc": "\x1b",
    }.items():
        add("ansi", name, text)

    # Every C0 control, DEL and a sample of C1 controls, inside ordinary text.
    for code in (*range(0x00, 0x20), 0x7F):
        add("control", f"u{code:04x}", f"до{chr(code)}после")
    for code in (0x80, 0x84, 0x85, 0x8D, 0x8E, 0x90, 0x9B, 0x9C, 0x9D, 0x9F):
        add("control", f"u{code:04x}", f"до{chr(code)}после")

    # Right-to-left, bidi controls, zero-width and other invisible characters.
    for name, text in {
        "rlo": "abc\u202edcba",
        "lro": "abc\u202dxyz",
        "rle": "abc\u202bxyz",
        "lre": "abc\u202axyz",
        "pdf": "abc\u202cxyz",
        "rli": "abc\u2067xyz",
        "lri": "abc\u2066xyz",
        "fsi": "abc\u2068xyz",
        "pdi": "abc\u2069xyz",
        "lrm": "abc\u200exyz",
        "rlm": "abc\u200fxyz",
        "alm": "abc\u061cxyz",
        "zwsp": "zero\u200bwidth",
        "zwnj": "zero\u200cwidth",
        "zwj-text": "zero\u200dwidth",
        "word-joiner": "word\u2060joiner",
        "bom": "\ufeffАнна",
        "soft-hyphen": "soft\u00adhyphen",
        "line-sep": "line\u2028separator",
        "para-sep": "para\u2029separator",
        "hebrew": "שלום עולם",
        "arabic": "مرحبا بالعالم",
        "mixed-rtl": "Анна שלום 123",
        "only-zwsp": "\u200b\u200b\u200b",
        "trojan-source": "/*\u202e } \u2066if (admin)\u2069 \u2066 begin*/",
        "mongolian-vs": "a\u180eb",
        "cgj": "a\u034fb",
    }.items():
        add("bidi", name, text)

    # Emoji: sequences, modifiers, flags, keycaps, variation selectors.
    for name, text in {
        "family": "👩\u200d👩\u200d👧",
        "rainbow-flag": "🏳\ufe0f\u200d🌈",
        "flag": "🇷🇺",
        "skin-tone": "👍🏽",
        "keycap": "1\ufe0f\u20e3",
        "nails": "💅 Маникюр",
        "many": "💅" * 100,
        "text-vs": "\u2764\ufe0e",
        "emoji-vs": "\u2764\ufe0f",
        "person": "🧑\u200d🦰",
        "lone-regional": "🇷",
        "astral-math": "𝕬𝖓𝖓𝖆",
    }.items():
        add("emoji", name, text)

    # Unicode that is not what it seems: odd code points, casing traps, combining storms.
    for name, text in {
        "lone-high-surrogate": "a\ud800b",
        "lone-low-surrogate": "a\udc00b",
        "noncharacter-fffe": "a\ufffeb",
        "noncharacter-ffff": "a\uffffb",
        "max-code-point": "a\U0010ffffb",
        "private-use": "a\ue000b",
        "replacement": "a\ufffdb",
        "zalgo": "Z" + "\u0301\u0316\u0352" * 60,
        "combining-only": "\u0301\u0301",
        "fullwidth": "ｓｅｌｅｃｔ",
        "dotted-i": "İstanbul",
        "eszett": "Straße",
        "final-sigma": "ΟΔΟΣ",
        "homoglyph": "аdmin@salon.test",  # a Cyrillic а
        "cjk": "美容院",
        "nbsp": "a\u00a0b",
        "ideographic-space": "a\u3000b",
        "yo": "Ёлка ёлка",
    }.items():
        add("unicode", name, text)

    # SQL metacharacters and injection attempts.
    for name, text in {
        "quote": "O'Brien",
        "or-true": "' OR '1'='1",
        "or-true-comment": "' OR 1=1 --",
        "drop": "'; drop table dashboard.users; --",
        "union": "' union select encrypted_password from dashboard.users --",
        "double-quote": '"quoted"',
        "backslash": "\\",
        "trailing-backslash": "abc\\",
        "percent": "%",
        "underscore": "_",
        "like-all": "%_%",
        "escaped-percent": "\\%",
        "dollar-quote": "$$ select 1 $$",
        "bind": "$1",
        "comment": "/* x */",
        "semicolon": "; select pg_sleep(10);",
        "cast": "1::text",
        "e-string": "E'\\x00'",
        "like-escape": "a\\_b",
        "tenant-guess": "tenant_id = tenant_id",
    }.items():
        add("sql", name, text)

    # PostgREST's filter grammar: must never change a query's meaning.
    for name, text in {
        "comma": ",",
        "dot": ".",
        "open-paren": "(",
        "close-paren": ")",
        "star": "*",
        "percent": "%",
        "in-list": "in.(1,2)",
        "eq-value": "eq.x",
        "or-tree": "or=(tenant_id.neq.0)",
        "break-out": "x),tenant_id.not.is.null,and(id.gt.0",
        "close-or": ")or(tenant_id.neq.00000000-0000-0000-0000-000000000000",
        "neq": "tenant_id.neq.0",
        "is-null": "not.is.null",
        "ampersand": "a&tenant_id=neq.x",
        "query": "?select=*",
        "hash": "#fragment",
        "encoded-comma": "%2C",
        "encoded-nul": "%00",
        "plus": "a+b",
        "colon": "a:b",
        "json-arrow": "messages->>text",
        "star-paren": "*)",
        "quote-paren": '"),or(id.gt.0',
        "braces": "{a,b}",
        "all-meta": ",.()*%",
    }.items():
        add("postgrest", name, text)

    # Invalid (and valid but foreign) UUIDs.
    for name, text in {
        "empty": "",
        "word": "not-a-uuid",
        "short": "00000000-0000-0000-0000-00000000000",
        "long": "00000000-0000-0000-0000-0000000000000",
        "non-hex": "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
        "braces": "{12345678-1234-5678-1234-567812345678}",
        "urn": "urn:uuid:12345678-1234-5678-1234-567812345678",
        "no-dashes": "12345678123456781234567812345678",
        "inner-space": "12345678-1234-5678-1234 567812345678",
        "sql-suffix": "12345678-1234-5678-1234-567812345678'; --",
        "nil": "00000000-0000-0000-0000-000000000000",
        "max": "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "with-nul": "12345678-1234-5678-1234-56781234567\x00",
        "cyrillic-digits": "١٢٣٤٥٦٧٨-1234-5678-1234-567812345678",
        "or-suffix": "12345678-1234-5678-1234-567812345678,id.neq.0",
    }.items():
        add("uuid", name, text)

    # Whitespace and lengths around the limits.
    for name, text in {
        "empty": "",
        "space": " ",
        "tab": "\t",
        "newlines": "\n" * 10,
        "crlf": "a\r\nb",
        "padded": "   Анна   ",
        "search-limit": "а" * 200,
        "search-over": "а" * 201,
        "message-limit": "я" * 4096,
        "message-over": "я" * 4097,
        "long-10k": "x" * 10_000,
        "long-word": "Пятьдесятсемь" * 40,
    }.items():
        add("length", name, text)

    # Email-shaped input for the login form.
    for name, text in {
        "no-local": "@salon.test",
        "no-domain": "admin@",
        "at-only": "@",
        "double-at": "a@@b.c",
        "too-long": "x" * 321 + "@b.c",
        "upper": "ADMIN@SALON.TEST",
        "cyrillic": "админ@салон.рф",
        "quoted-local": '"admin"@salon.test',
        "encoded-at": "admin%40salon.test",
        "filter-tail": "a@b.c,email.neq.x",
        "wildcard": "*@*",
        "like-wildcard": "%@%",
    }.items():
        add("email", name, text)

    # Format strings and shell: nothing is ever formatted or executed.
    for name, text in {
        "braces": "{}",
        "positional": "{0}",
        "named": "{name}",
        "attr": "{0.__class__}",
        "percent-s": "%s%s%s%n",
        "percent-map": "%(password)s",
        "shell-var": "${HOME}",
        "subshell": "$(reboot)",
        "backticks": "`id`",
        "jinja": "{{ 7*7 }}",
        "path": "../../etc/passwd",
        "log-forge": "ok\nERROR forged log line",
    }.items():
        add("format", name, text)
    return out


CORPUS: tuple[Hostile, ...] = tuple(_entries())
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(entry.category for entry in CORPUS))


def huge() -> list[Hostile]:
    """The 1 MB (and larger) inputs, built when a test asks for them."""
    return [
        Hostile("huge-ascii-1mb", "huge", "a" * 1_048_576),
        Hostile("huge-cyrillic-1mb", "huge", "я" * 1_048_576),
        Hostile("huge-escapes", "huge", "\x1b[31m" * 200_000),
        Hostile("huge-markup", "huge", "[b]" * 350_000),
        Hostile("huge-emoji", "huge", "👩\u200d👩\u200d👧" * 150_000),
        Hostile("huge-newlines", "huge", "\n" * 1_048_576),
    ]


def storable(text: str) -> bool:
    """Whether Postgres text or jsonb can hold `text` (no NUL, no lone surrogate)."""
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def representative(per_category: int = 2) -> list[Hostile]:
    """The first few entries of every category: for the slower app-level tests."""
    picked: list[Hostile] = []
    for category in CATEGORIES:
        picked += [e for e in CORPUS if e.category == category][:per_category]
    return picked


assert len(CORPUS) >= 200
assert len({entry.name for entry in CORPUS}) == len(CORPUS), "names are pytest ids: unique"
