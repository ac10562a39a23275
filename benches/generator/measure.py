#!/usr/bin/env python3
"""The generator benchmark of issue 6: time and peak memory of `seedwork new`, a no-op
`seedwork generate` and `seedwork check` on synthetic specs of 10, 100 and 1,000 aggregates;
what a one-line spec change rewrites; and what a clean `cargo build` of a generated project
costs. Run it through `benches/generator/run.sh`, which builds the release CLI first.

    python3 benches/generator/measure.py --seedwork target/release/seedwork [options]

Every timing is wall-clock, repeated `--runs` times; the report gives the median and the
range. Peak memory is measured two ways: the largest single process (`wait4`'s `ru_maxrss`,
which covers the CLI and the rustfmt processes it waits for, as `/usr/bin/time -v` reports
it) and the largest sum over the whole process tree at any moment (sampled from /proc every
10 ms, so a short peak between samples can be missed).

Writes `results.json` and `report.md` to `--out` and prints the report.
"""
import argparse
import hashlib
import html
import json
import os
import pathlib
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Running and measuring one command
# ---------------------------------------------------------------------------------------------

def _tree_rss_kib(root: int) -> int:
    """The summed RSS of `root` and all its descendants, in KiB (0 once it is gone)."""
    total, pending, seen = 0, [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    pending.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run(cmd, cwd=None, env=None, check=True):
    """Runs `cmd`; returns (seconds, max single-process RSS KiB, max tree RSS KiB, stdout,
    stderr, exit code)."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
    peak_tree = 0
    stop = threading.Event()

    def sample():
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, _tree_rss_kib(proc.pid))
            stop.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{stderr[-4000:]}")
    return elapsed, usage.ru_maxrss, max(peak_tree, usage.ru_maxrss), stdout, stderr, proc.returncode


def stamps(root: pathlib.Path) -> dict:
    """Every file under `root`: (sha256, mtime_ns, inode)."""
    result = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            result[str(path.relative_to(root))] = (digest, st.st_mtime_ns, st.st_ino)
    return result


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


# ---------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------

def generator(args, work: pathlib.Path, sizes):
    """`new`, no-op `generate`, `check` and `validate`, `--runs` times for each size."""
    results = {}
    seedwork = str(args.seedwork)
    for n in sizes:
        spec = work / f"spec-{n}.toml"
        spec.write_text(synthetic.spec(n), encoding="utf-8")
        rows = {k: {"seconds": [], "rss": [], "tree": []} for k in ("validate", "new", "generate", "check")}
        files = rust_bytes = None
        for i in range(args.runs):
            project = work / f"project-{n}"
            shutil.rmtree(project, ignore_errors=True)
            steps = [
                ("validate", [seedwork, "validate", str(spec), "--deny-warnings"]),
                ("new", [seedwork, "new", str(project), "--spec", str(spec), "--runtime", str(args.runtime)]),
                ("generate", [seedwork, "generate", "--project", str(project), "--runtime", str(args.runtime)]),
                ("check", [seedwork, "check", "--project", str(project), "--runtime", str(args.runtime)]),
            ]
            before = None
            for name, cmd in steps:
                if name == "generate":
                    before = stamps(project)
                seconds, rss, tree, _, stderr, _ = run(cmd)
                if name == "generate":
                    after = stamps(project)
                    if after != before:
                        raise SystemExit(f"a no-op generate changed files:\n{stderr}")
                    if stderr.strip():
                        raise SystemExit(f"a no-op generate reported changes:\n{stderr}")
                rows[name]["seconds"].append(seconds)
                rows[name]["rss"].append(rss)
                rows[name]["tree"].append(tree)
                print(f"  {n:5} aggregates, run {i + 1}: {name:8} {seconds:7.2f} s, "
                      f"largest process {rss / 1024:6.0f} MiB, tree {tree / 1024:6.0f} MiB",
                      file=sys.stderr, flush=True)
            if files is None:
                all_files = [p for p in project.rglob("*") if p.is_file()]
                files = len(all_files)
                rust_bytes = sum(p.stat().st_size for p in all_files if p.suffix == ".rs")
                largest = max((p for p in all_files if p.suffix == ".rs"), key=lambda p: p.stat().st_size)
                largest = (str(largest.relative_to(project)), largest.stat().st_size)
        results[n] = {
            "spec_bytes": spec.stat().st_size,
            "files": files,
            "rust_bytes": rust_bytes,
            "largest_file": largest,
            **{name: {k: summary(v) for k, v in row.items()} for name, row in rows.items()},
        }
    return results


def phases(args, work: pathlib.Path, n: int):
    """Where `seedwork new` spends its time for `n` aggregates: each rustfmt process timed
    by a wrapper (SEEDWORK_RUSTFMT), the rest is parsing, checking, rendering, parsing the
    output with syn and writing."""
    spec = work / f"spec-{n}.toml"
    log = work / f"rustfmt-{n}.log"
    wrapper = work / "rustfmt-timed"
    rustfmt = shutil.which("rustfmt")
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec /usr/bin/time -f '%e %M' -a -o '{log}' '{rustfmt}' \"$@\"\n")
    wrapper.chmod(0o755)
    out = {"runs": []}
    for _ in range(args.runs):
        log.unlink(missing_ok=True)
        project = work / f"phases-{n}"
        shutil.rmtree(project, ignore_errors=True)
        env = dict(os.environ, SEEDWORK_RUSTFMT=str(wrapper))
        total, rss, tree, *_ = run([str(args.seedwork), "new", str(project), "--spec", str(spec),
                                    "--runtime", str(args.runtime)], env=env)
        procs = [tuple(map(float, line.split())) for line in log.read_text().splitlines() if line.strip()]
        out["runs"].append({"total": total, "rustfmt": [p[0] for p in procs],
                            "rustfmt_rss_kib": [p[1] for p in procs]})
        shutil.rmtree(project, ignore_errors=True)
    return out


def one_line_change(args, work: pathlib.Path, n: int):
    """Changes one line of the spec of the project of `n` aggregates (the doc of one
    aggregate, then a field added to one command), regenerates, and compares every file."""
    project = work / f"project-{n}"
    if not project.exists():
        run([str(args.seedwork), "new", str(project), "--spec", str(work / f"spec-{n}.toml"),
             "--runtime", str(args.runtime)])
    middle = synthetic.Aggregate(n // 2, n)
    x = middle.name
    edits = [
        ("the doc of one aggregate",
         f"Aggregate {middle.i} of the synthetic benchmark spec:",
         f"Aggregate {middle.i} of the synthetic benchmark spec (edited):"),
        ("a field added to one command",
         f'[aggregates.{x}.commands.Submit{x}]\ndoc = "The author sends it for approval."\nfrom = ["Draft"]\nto = "Submitted"\nemits = ["{x}Submitted"]\n',
         f'[aggregates.{x}.commands.Submit{x}]\ndoc = "The author sends it for approval."\nfrom = ["Draft"]\nto = "Submitted"\nemits = ["{x}Submitted"]\nfields.urgent = {{ type = "bool", doc = "Whether the approver should hurry." }}\n'),
    ]
    results = []
    spec_path = project / "domain.toml"
    for label, old, new in edits:
        text = spec_path.read_text()
        assert text.count(old) == 1, old
        spec_path.write_text(text.replace(old, new))
        before = stamps(project)
        seconds, rss, tree, _, stderr, _ = run(
            [str(args.seedwork), "generate", "--project", str(project), "--runtime", str(args.runtime)])
        after = stamps(project)
        reported = sorted(l[len("updated "):] for l in stderr.splitlines() if l.startswith("updated "))
        changed = sorted(p for p in before if before[p] != after.get(p) and p != "domain.toml")
        rewritten_same_bytes = sorted(p for p in before if p in after and before[p][0] == after[p][0]
                                      and before[p] != after[p])
        expected = sorted(reported + [".seedwork/manifest.json"])
        results.append({
            "change": label, "aggregate": x, "files": len(before), "seconds": seconds,
            "reported_updated": reported, "changed": changed,
            "changed_is_reported_plus_manifest": changed == expected,
            "untouched": len(before) - len(changed) - 1,
            "rewritten_with_same_bytes": rewritten_same_bytes,
            "created_or_deleted": sorted(set(before) ^ set(after)),
        })
        print(f"  {n} aggregates, {label}: {len(changed)} of {len(before)} files changed "
              f"({', '.join(changed)}); as reported: {changed == expected}", file=sys.stderr, flush=True)
    return results


UNIT_DATA = re.compile(r"const UNIT_DATA = (\[.*?\]);\s*$", re.S | re.M)


def cargo_build(args, work: pathlib.Path, n: int, runs: int):
    """Clean debug `cargo build --timings` of the generated project of `n` aggregates, each run
    with an empty target directory of its own; the units' times from the timings report."""
    project = work / f"build-{n}"
    shutil.rmtree(project, ignore_errors=True)
    run([str(args.seedwork), "new", str(project), "--spec", str(work / f"spec-{n}.toml"),
         "--runtime", str(args.runtime)])
    # The workspace's lock file, so the dependencies resolve to what the repository tests with.
    shutil.copy(REPO / "Cargo.lock", project / "Cargo.lock")
    crate = f"synthetic_{n}"
    out = {"runs": []}
    for i in range(runs):
        target = work / f"target-{n}-{i}"
        shutil.rmtree(target, ignore_errors=True)
        env = dict(os.environ, CARGO_TARGET_DIR=str(target), CARGO_TERM_COLOR="never")
        env.pop("RUSTFLAGS", None)
        seconds, rss, tree, _, stderr, _ = run(["cargo", "build", "--timings", "--offline"],
                                              cwd=project, env=env)
        report = max((target / "cargo-timings").glob("cargo-timing-*.html"))
        units = json.loads(UNIT_DATA.search(report.read_text()).group(1))
        own = [u for u in units if u["name"].replace("-", "_") == crate]
        deps = [u for u in units if u not in own]
        slowest = sorted(deps, key=lambda u: -u["duration"])[:8]
        run_result = {
            "seconds": seconds, "largest_process_kib": rss, "tree_kib": tree,
            "units": len(units),
            "own": [{"target": u["target"].strip() or "lib", "mode": u["mode"],
                     "seconds": u["duration"], "rmeta": u.get("rmeta_time")} for u in own],
            "own_seconds": sum(u["duration"] for u in own),
            "deps_unit_seconds": sum(u["duration"] for u in deps),
            "own_start": min(u["start"] for u in own),
            "slowest_deps": [(f"{u['name']} {u['version']}{(' ' + u['target'].strip()) if u['target'].strip() else ''}", u["duration"]) for u in slowest],
        }
        out["runs"].append(run_result)
        print(f"  cargo build, {n} aggregates, run {i + 1}: {seconds:.1f} s; the crate's own units "
              f"{run_result['own_seconds']:.1f} s, starting at {run_result['own_start']:.1f} s",
              file=sys.stderr, flush=True)
        keep = i == runs - 1
        if keep:
            shutil.copy(report, work / f"cargo-timing-{n}.html")
            out["time_passes"] = time_passes(project, target, crate)
        shutil.rmtree(target, ignore_errors=True)
    return out


def time_passes(project: pathlib.Path, target: pathlib.Path, crate: str):
    """`cargo rustc --lib -- -Z time-passes` (RUSTC_BOOTSTRAP=1) on the generated crate, its
    dependencies already built: the passes that take longest."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(target), RUSTC_BOOTSTRAP="1", CARGO_TERM_COLOR="never")
    subprocess.run(["cargo", "clean", "-p", crate.replace("_", "-")], cwd=project, env=env,
                   capture_output=True)
    proc = subprocess.run(["cargo", "rustc", "--lib", "--offline", "--", "-Z", "time-passes"],
                          cwd=project, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    passes = []
    for line in proc.stderr.splitlines():
        m = re.match(r"time:\s+([\d.]+);\s+rss:\s+(\d+)MB\s+->\s+(\d+)MB\s+\(\s*([+-]?\d+)MB\)\s+(\S+)", line)
        if m:
            passes.append((m.group(5), float(m.group(1)), int(m.group(3))))
    total = next((p for p in passes if p[0] == "total"), None)
    top = sorted((p for p in passes if p[0] != "total"), key=lambda p: -p[1])[:12]
    return {"total": total, "top": top}


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------

def cell(s, scale=1.0, fmt="{:.2f}"):
    return f"{fmt.format(s['median'] * scale)} ({fmt.format(s['min'] * scale)}–{fmt.format(s['max'] * scale)})"


def report(meta, gen, phase, changes, builds) -> str:
    lines = [f"# Generator benchmark, {meta['date']}", "",
             f"Machine: {meta['machine']}; {meta['rustc']}; {meta['rustfmt']}; load average at the "
             f"start {meta['load_start']}, at the end {meta['load_end']}.",
             f"Command: `{meta['command']}`", ""]
    if gen:
        lines += ["## seedwork (release build), median (min–max) of "
                  f"{meta['runs']} runs", "",
                  "| aggregates | spec | files | Rust | command | time s | largest process MiB | process tree MiB |",
                  "|---|---|---|---|---|---|---|---|"]
        for n, r in gen.items():
            for name in ("new", "generate", "check", "validate"):
                label = {"new": "`new` (empty dir)", "generate": "`generate` (no-op)",
                         "check": "`check`", "validate": "`validate`"}[name]
                lines.append(
                    f"| {n} | {r['spec_bytes'] / 1e6:.2f} MB | {r['files']} | {r['rust_bytes'] / 1e6:.1f} MB | {label} | "
                    f"{cell(r[name]['seconds'])} | {cell(r[name]['rss'], 1 / 1024, '{:.0f}')} | "
                    f"{cell(r[name]['tree'], 1 / 1024, '{:.0f}')} |")
        lines.append("")
        sizes = list(gen)
        for a, b in zip(sizes, sizes[1:]):
            for name in ("new", "generate", "check"):
                ratio = gen[b][name]["seconds"]["median"] / gen[a][name]["seconds"]["median"]
                lines.append(f"- `{name}`: {b} / {a} aggregates = **{ratio:.1f}×** the time")
        lines.append("")
    if phase:
        for n, p in phase.items():
            lines += [f"## Where `new` spends its time, {n} aggregates (rustfmt timed by a wrapper)", "",
                      "| run | total s | rustfmt processes s | rustfmt MiB |", "|---|---|---|---|"]
            for i, r in enumerate(p["runs"], 1):
                lines.append(f"| {i} | {r['total']:.2f} | {', '.join(f'{x:.2f}' for x in r['rustfmt'])} | "
                             f"{', '.join(f'{x / 1024:.0f}' for x in r['rustfmt_rss_kib'])} |")
            lines.append("")
    if changes:
        for n, cs in changes.items():
            lines += [f"## One-line spec changes, {n} aggregates", "",
                      "| change | files | changed (bytes, mtime or inode) | as reported | untouched | time s |",
                      "|---|---|---|---|---|---|"]
            for c in cs:
                lines.append(f"| {c['change']} (`{c['aggregate']}`) | {c['files']} | "
                             f"{len(c['changed'])}: {', '.join('`' + p + '`' for p in c['changed'])} | "
                             f"{'yes' if c['changed_is_reported_plus_manifest'] else '**no**'} | {c['untouched']} | {c['seconds']:.2f} |")
            lines.append("")
    if builds:
        for n, b in builds.items():
            runs = b["runs"]
            lines += [f"## Clean `cargo build` (debug) of the generated {n}-aggregate project", "",
                      "| run | wall s | the crate's own units s | deps' units s (sum, in parallel) | the crate starts at s | largest process MiB |",
                      "|---|---|---|---|---|---|"]
            for i, r in enumerate(runs, 1):
                lines.append(f"| {i} | {r['seconds']:.1f} | {r['own_seconds']:.1f} ({', '.join(u['target'] + ' ' + format(u['seconds'], '.1f') for u in r['own'])}) | "
                             f"{r['deps_unit_seconds']:.1f} | {r['own_start']:.1f} | {r['largest_process_kib'] / 1024:.0f} |")
            lines.append("")
            lines.append("Slowest dependencies (last run): " + ", ".join(f"{name} {s:.1f} s" for name, s in runs[-1]["slowest_deps"]))
            tp = b.get("time_passes")
            if tp and "top" in tp:
                lines.append("")
                lines.append(f"`-Z time-passes` of the crate's lib (total {tp['total'][1]:.1f} s, "
                             f"{tp['total'][2]} MB RSS at the end): " +
                             ", ".join(f"{name} {s:.1f} s" for name, s, _ in tp["top"]))
            lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seedwork", type=pathlib.Path, required=True)
    parser.add_argument("--runtime", type=pathlib.Path, default=REPO / "runtime")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build-sizes", default="10,100", help="empty: no cargo builds")
    parser.add_argument("--build-runs", type=int, default=3)
    parser.add_argument("--only", default="generator,phases,changes,builds")
    parser.add_argument("--work", type=pathlib.Path, help="default: a temporary directory")
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    args.seedwork = args.seedwork.resolve()
    args.runtime = args.runtime.resolve()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    build_sizes = [int(s) for s in args.build_sizes.split(",") if s]
    only = set(args.only.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    work_dir = args.work or pathlib.Path(tempfile.mkdtemp(prefix="seedwork-generator-"))
    work_dir.mkdir(parents=True, exist_ok=True)

    def version(cmd):
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, {platform.system()} {platform.release()}",
        "rustc": version(["rustc", "--version"]), "rustfmt": version(["rustfmt", "--version"]),
        "load_start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "command": " ".join(sys.argv), "runs": args.runs,
    }
    gen = phase = changes = builds = None
    # Every spec is written by the generator step; later steps reuse them.
    for n in set(sizes) | set(build_sizes):
        (work_dir / f"spec-{n}.toml").write_text(synthetic.spec(n), encoding="utf-8")
    if "generator" in only:
        print("seedwork new / generate / check:", file=sys.stderr)
        gen = generator(args, work_dir, sizes)
    if "phases" in only and sizes:
        print("phases:", file=sys.stderr)
        phase = {max(sizes): phases(args, work_dir, max(sizes))}
    if "changes" in only:
        print("one-line changes:", file=sys.stderr)
        changes = {n: one_line_change(args, work_dir, n) for n in sizes if n >= 10}
    if "builds" in only and build_sizes:
        print("cargo build:", file=sys.stderr)
        builds = {n: cargo_build(args, work_dir, n, args.build_runs) for n in build_sizes}
    meta["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    results = {"meta": meta, "generator": gen, "phases": phase, "changes": changes, "builds": builds}
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    text = report(meta, gen, phase, changes, builds)
    (args.out / "report.md").write_text(text)
    for f in work_dir.glob("cargo-timing-*.html"):
        shutil.copy(f, args.out / f.name)
    print(text)
    if not args.work:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
