#!/usr/bin/env python3
"""Structural check of a Logstash pipeline where Logstash itself cannot run.

Checks: braces and brackets balance outside strings and comments, the top level holds only
input/filter/output sections, and each section has a body. Logstash's own
`--config.test_and_exit` (used by the role on real hosts) remains the authority.
"""
import re
import sys

SECTIONS = {"input", "filter", "output"}


def check(text: str) -> list[str]:
    problems = []
    depth = 0
    stack = []
    i = 0
    line = 1
    top_words = []
    word = ""
    while i < len(text):
        c = text[i]
        if c == "\n":
            line += 1
        if c == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        if c in "\"'":
            quote = c
            i += 1
            while i < len(text) and text[i] != quote:
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n":
                    line += 1
                i += 1
            if i >= len(text):
                problems.append(f"line {line}: unterminated string")
            i += 1
            continue
        if depth == 0 and (c.isalnum() or c == "_"):
            word += c
        elif depth == 0 and word:
            top_words.append((word, line))
            word = ""
        if c in "{[":
            if depth == 0 and c == "{":
                name = top_words[-1][0] if top_words else ""
                if name not in SECTIONS:
                    problems.append(f"line {line}: top-level block '{name}' is not input, filter or output")
            stack.append((c, line))
            depth += 1
        elif c in "}]":
            if not stack:
                problems.append(f"line {line}: unexpected '{c}'")
            else:
                opened, _ = stack.pop()
                if (opened, c) not in (("{", "}"), ("[", "]")):
                    problems.append(f"line {line}: '{c}' closes '{opened}'")
                depth -= 1
        i += 1
    for opened, at in stack:
        problems.append(f"line {at}: '{opened}' never closed")
    if not re.search(r"^\s*(input|filter|output)\s*\{", text, re.M):
        problems.append("no input, filter or output section")
    return problems


def main() -> int:
    failed = False
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            problems = check(handle.read())
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
