"""Prints a cost-report trace's per-function ink (scripts/ink-profile).

Reads target/ink-profile/trace.txt (the cost report's operations and the
devnode's `stylus_host::profile` events) and the named programs beside it;
a program call's counters are matched to the program with as many defined
functions. The counters are indexed as the deployed artifact's functions,
and a named build may order a few differently: each artifact function is
named after the named build's function with the same body, else (marked
`~`) the one at its index.
"""

import re
import sys
from pathlib import Path

PROGRAMS = ["token-ai", "aat", "exchange"]


def leb(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def functions(path):
    """(imported function count, names by absolute index, bodies)."""
    data = path.read_bytes()
    at, imported, names, bodies = 8, 0, {}, []
    while at < len(data):
        section = data[at]
        size, at = leb(data, at + 1)
        end = at + size
        if section == 2:  # imports
            count, i = leb(data, at)
            for _ in range(count):
                for _ in range(2):  # module, field
                    length, i = leb(data, i)
                    i += length
                kind = data[i]
                i += 1
                if kind == 0:
                    imported += 1
                    _, i = leb(data, i)
                elif kind == 1:  # table
                    i += 1
                    flags, i = leb(data, i)
                    _, i = leb(data, i)
                    if flags & 1:
                        _, i = leb(data, i)
                elif kind == 2:  # memory
                    flags, i = leb(data, i)
                    _, i = leb(data, i)
                    if flags & 1:
                        _, i = leb(data, i)
                elif kind == 3:  # global
                    i += 2
        elif section == 10:  # code
            count, i = leb(data, at)
            for _ in range(count):
                length, i = leb(data, i)
                bodies.append(data[i : i + length])
                i += length
        elif section == 0:
            length, i = leb(data, at)
            if data[i : i + length] == b"name":
                i += length
                while i < end:
                    sub = data[i]
                    sub_size, i = leb(data, i + 1)
                    sub_end = i + sub_size
                    if sub == 1:
                        count, i = leb(data, i)
                        for _ in range(count):
                            index, i = leb(data, i)
                            length, i = leb(data, i)
                            names[index] = data[i : i + length].decode(errors="replace")
                            i += length
                    i = sub_end
        at = end
    return imported, names, bodies


def artifact_names(named, artifact):
    """The deployed artifact's function names, by defined index."""
    imported, names, named_bodies = functions(named)
    _, _, bodies = functions(artifact)
    by_body = {}
    for index, body in enumerate(named_bodies):
        by_body.setdefault(body, []).append(names.get(index + imported, f"function {index}"))
    labels = []
    for index, body in enumerate(bodies):
        same = by_body.get(body, [])
        if len(same) == 1:
            labels.append(same[0])
        else:
            labels.append("~" + names.get(index + imported, f"function {index}"))
    return labels


def short(name):
    name = re.sub(r"17h[0-9a-f]{16}E$", "", name)
    return name.replace("$LT$", "<").replace("$GT$", ">").replace("$u20$", " ")


def main():
    out = Path(sys.argv[1])
    wanted = sys.argv[2] if len(sys.argv) > 2 else None
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    programs = {}
    for program in PROGRAMS:
        labels = artifact_names(out / f"{program}.wasm", out.parent.parent / "artifacts" / f"{program}.wasm")
        programs[len(labels)] = (program, labels)
    operation, calls = None, {}
    for line in (out / "trace.txt").read_text().splitlines():
        sent = re.search(r"cost_report: (.*): sending", line)
        if sent:
            operation = sent.group(1)
            calls.setdefault(operation, [])
            continue
        event = re.search(r"ink by function contract=(\S+) functions=(\d+) ink=(.*)$", line)
        if event and operation:
            calls[operation].append((event.group(1), int(event.group(2)), event.group(3)))
    for name, runs in calls.items():
        if wanted and name != wanted:
            continue
        # eth_estimateGas runs a transaction several times before it is
        # mined: its program calls repeat; each distinct one is shown once.
        seen = []
        for run in runs:
            if run not in seen:
                seen.append(run)
        print(f"== {name}")
        for contract, count, ink in seen:
            program, labels = programs.get(count, ("?", []))
            pieces = [tuple(map(int, piece.split(":"))) for piece in ink.split()]
            total = sum(spent for _, spent in pieces)
            print(f"  {program} {contract}: {total / 10_000:.0f} gas of instructions")
            for index, spent in pieces[:rows]:
                label = short(labels[index]) if index < len(labels) else f"function {index}"
                print(f"    {spent / 10_000:8.1f}  {label[:110]}")


if __name__ == "__main__":
    main()
