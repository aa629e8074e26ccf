#!/usr/bin/env python3
"""framescope.1 from the commands' own help: `framescope --experimental-dump-help` (argument-parser's
ToolInfo JSON, the input its GenerateManual plugin reads) turned into a man(7) page.

Why not the plugin (`swift package plugin generate-manual`, which does run offline here): its
generate-manual drops every non-ASCII character (the help's 粘包, 拆包, →, —, µs vanish: "sticky (),
split ()"), and it builds every product once more in release mode for it. Here each command gets its
abstract, its discussion (paragraphs as text, indented lines — the examples, the demo's parts — kept
line by line), its arguments and options with their defaults and values; subcommands nest. UTF-8
in, UTF-8 out (man-db runs preconv).

Usage: framescope --experimental-dump-help | tools/man-page.py --version V --date YYYY-MM-DD > framescope.1
"""
import argparse
import json
import re
import sys


def esc(text):
    """A text line for roff: backslashes and minus signs escaped (so `--count` copies as typed),
    a leading dot or apostrophe made literal."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def prose(text):
    """A discussion: paragraphs split by blank lines; within one, indented lines are kept as they
    are (no fill), the rest is filled text."""
    out = []
    for para in re.split(r"\n[ \t]*\n", text.strip("\n")):
        out.append(".PP")
        literal = False
        for line in para.split("\n"):
            if line[:1] in (" ", "\t"):
                if not literal:
                    out += [".RS 2", ".nf"]
                    literal = True
                out.append(esc(line[2:] if line.startswith("  ") else line.lstrip()))
            else:
                if literal:
                    out += [".fi", ".RE"]
                    literal = False
                out.append(esc(line))
        if literal:
            out += [".fi", ".RE"]
    return out


def names(arg):
    found = []
    for n in arg.get("names") or []:
        prefix = "--" if n["kind"] == "long" else "-"
        found.append(prefix + n["name"])
    return found


def label(arg):
    """How an argument is written: `-c, --count <n>`, `<file>`, `--json`."""
    value = arg.get("valueName") or "value"
    if arg["kind"] == "positional":
        text = "\\fI<%s>\\fR" % esc(value)
        return text + (" ..." if arg.get("isRepeating") else "")
    title = ", ".join("\\fB%s\\fR" % esc(n) for n in names(arg))
    if arg["kind"] == "option":
        title += " \\fI<%s>\\fR" % esc(value)
    return title


def synopsis_word(arg):
    word = label(arg) if arg["kind"] == "positional" else None
    if word and arg.get("isOptional"):
        word = "[" + word + "]"
    return word


def command_section(cmd, path, level):
    out = []
    full = " ".join(path)
    if level > 0:
        out.append('.SS "%s"' % esc(full))
        if cmd.get("abstract"):
            out += [".PP", esc(cmd["abstract"])]
    words = [synopsis_word(a) for a in cmd.get("arguments") or [] if a.get("shouldDisplay", True)]
    words = [w for w in words if w]
    subs = [s for s in cmd.get("subcommands") or [] if s.get("shouldDisplay", True)]
    if level > 0 or not subs:
        out += [".PP", "\\fB%s\\fR [\\fIoptions\\fR] %s" % (esc(full), " ".join(words))]
    if cmd.get("discussion") and level > 0:
        out += prose(cmd["discussion"])
    shown = [a for a in cmd.get("arguments") or [] if a.get("shouldDisplay", True)]
    if level > 0:  # -h/--help and --version: said once, under OPTIONS
        shown = [a for a in shown if not {"--help", "--version"} & set(names(a))]
    for arg in shown:
        out += [".TP", label(arg)]
        text = arg.get("abstract") or ""
        extra = []
        values = arg.get("allValueStrings") or arg.get("allValues")
        if values and not arg.get("allValueDescriptions"):
            extra.append("values: " + ", ".join(values))
        default = arg.get("defaultValue")
        if default not in (None, "", "false", "[]") and arg["kind"] != "flag":
            extra.append("default: " + default)
        if extra:
            text += (" " if text else "") + "(" + "; ".join(extra) + ")"
        out.append(esc(text) if text else "")
        for value, meaning in (arg.get("allValueDescriptions") or {}).items():
            out += [".RS", ".TP", "\\fB%s\\fR" % esc(value), esc(meaning), ".RE"]
        if arg.get("discussion"):
            out += prose(arg["discussion"])
    for sub in subs:
        out += command_section(sub, path + [sub["commandName"]], level + 1)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", required=True)
    parser.add_argument("--date", required=True)
    parser.add_argument("json", nargs="?", help="the dump (default: standard input)")
    args = parser.parse_args()
    data = json.load(open(args.json, encoding="utf-8") if args.json else sys.stdin)
    root = data["command"]
    name = root["commandName"]
    subs = [s for s in root.get("subcommands") or [] if s.get("shouldDisplay", True)]
    page = [
        '.\\" Generated by tools/man-page.py from `%s --experimental-dump-help`; do not edit.' % name,
        '.TH %s 1 "%s" "%s %s" "User Commands"' % (name.upper(), args.date, name, args.version),
        ".nh",
        ".SH NAME",
        "%s \\- %s" % (esc(name), esc(root.get("abstract") or "")),
        ".SH SYNOPSIS",
    ]
    for sub in subs:
        words = [synopsis_word(a) for a in sub.get("arguments") or [] if a.get("shouldDisplay", True)]
        page += ["\\fB%s %s\\fR [\\fIoptions\\fR] %s" % (esc(name), esc(sub["commandName"]), " ".join(w for w in words if w)), ".br"]
    page += [".SH DESCRIPTION"]
    page += prose(root.get("discussion") or "")
    page += [".PP", "\\fB%s help\\fR \\fIsubcommand\\fR and \\fB%s\\fR \\fIsubcommand\\fR \\fB\\-\\-help\\fR "
             "print the same text as this page for one subcommand." % (esc(name), esc(name))]
    page += [".SH OPTIONS"]
    page += command_section(dict(root, subcommands=[]), [name], 0)[2:]
    page += [".SH COMMANDS"]
    for sub in subs:
        page += command_section(sub, [name, sub["commandName"]], 1)
    page += [".SH \"SEE ALSO\"", ".BR tcpdump (8),", ".BR tshark (1),", ".BR pcap\\-filter (7)"]
    sys.stdout.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
