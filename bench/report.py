"""The benchmark's targets (issue 8, on a 2-core machine) checked against what was measured, and the table the
command prints."""

TARGETS = {
    "board_warm_p95_ms": 150,
    "board_cold_p95_ms": 1000,
    "board_network_speedup": 20,
    "import_rows_per_s": 50_000,
    "import_times_bare_copy": 5,
    "day_refresh_s": 5,
}


def _target(name, measured, target, *, at_most, unit):
    passed = measured <= target if at_most else measured >= target
    if passed:
        by = None
    elif at_most:
        by = f"{measured / target:.1f}x the target ({measured - target:,.1f} {unit} over)"
    else:
        by = f"{measured / target:.2f}x the target ({target - measured:,.1f} {unit} short)"
    return {"name": name, "measured": measured, "target": target, "unit": unit,
            "rule": "at most" if at_most else "at least", "passed": passed, "missed_by": by}  # fmt: skip


def targets_checked(results):
    """One entry per target: what was measured, the target, pass or fail, and by how much a miss is."""
    checked = []
    for level, board in results["board"].items():
        checked.append(_target(f"board p95 warm, {level}", board["warm_ms"]["p95"], TARGETS["board_warm_p95_ms"],
                               at_most=True, unit="ms"))  # fmt: skip
        checked.append(_target(f"board p95 cold, {level}", board["cold_ms"]["p95"], TARGETS["board_cold_p95_ms"],
                               at_most=True, unit="ms"))  # fmt: skip
    checked.append(_target("board speed-up over the baseline, network (p50, cold)",
                           results["board"]["network"]["speedup_cold"], TARGETS["board_network_speedup"],
                           at_most=False, unit="x"))  # fmt: skip
    imported = results["import"]
    checked.append(_target("import, rows per second end to end", imported["import"]["rows_per_s"],
                           TARGETS["import_rows_per_s"], at_most=False, unit="rows/s"))  # fmt: skip
    checked.append(_target("import time / bare COPY time", imported["times_bare_copy"],
                           TARGETS["import_times_bare_copy"], at_most=True, unit="x"))  # fmt: skip
    checked.append(_target("one day's rollup refresh (max of runs)", round(results["day_refresh"]["seconds"]["max"]
                                                                          / 1000, 2),
                           TARGETS["day_refresh_s"], at_most=True, unit="s"))  # fmt: skip
    return checked


def results_table(results):
    """The results as a short Markdown table (the README's Performance section shows one), then the targets."""
    lines = [f"Scale {results['scale']} (seed {results['seed']}), {results['machine']['cpus']} CPUs, "
             f"{results['machine']['memory_gb']} GB; sizes: "
             + ", ".join(f"{k} {v:,}" for k, v in results["sizes"].items()), "",
             "| board (20 tiles, 13-month series) | cold p50 / p95 ms | warm p50 / p95 ms | baseline p50 ms "
             "| speed-up cold / warm | same figures |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for level, b in results["board"].items():
        lines.append(f"| {level} ({b['node']}) | {b['cold_ms']['p50']:,} / {b['cold_ms']['p95']:,} "
                     f"| {b['warm_ms']['p50']:,} / {b['warm_ms']['p95']:,} | {b['baseline_ms']['p50']:,} "
                     f"| {b['speedup_cold']:,}x / {b['speedup_warm']:,}x "
                     f"| {'yes' if b['agree'] else 'NO'} ({b['values_compared']}) |")  # fmt: skip
    i = results["import"]
    lines += ["", f"| import of leads.csv (the last {i['days']} days' leads) | rows | seconds | rows/s |",
              "|---|---|---|---|"]
    for label, key in (("bare COPY, unindexed table", "bare_copy"),
                       ("the same rows into the lead table alone (indexes, foreign keys), no rollups",
                        "lead_table_insert"),
                       ("import_file (new rows)", "import"),
                       ("import_file again (unchanged)", "reimport")):  # fmt: skip
        lines.append(f"| {label} | {i['rows']:,} | {i[key]['seconds']:,} | {i[key]['rows_per_s']:,} |")
    lines.append(f"The import takes {i['times_bare_copy']:,}x the bare COPY, {i['times_lead_table_insert']:,}x the "
                 "lead table alone.")
    same = "the same" if i["rollups_added_equal_full_refresh"] else "NOT the same"
    lines.append(f"The import adds its new leads to the rollups; a full refresh of those {i['days']} days instead "
                 f"takes {i['rollups_refresh_of_its_days_s']:,} s, and leaves {same} rollups.")  # fmt: skip
    d = results["day_refresh"]
    seconds = d["seconds"]
    lines += ["", f"One day's rollup refresh ({d['facts']:,} new facts, {d['rollup_rows_written']:,} rollup rows): "
              f"p50 {seconds['p50'] / 1000:.2f} s, max {seconds['max'] / 1000:.2f} s (n={seconds['n']})."]
    if results["build"].get("reused"):
        lines.append("Network reused from an earlier run (--reuse): no load or full rollup build timed.")
    else:
        b = results["build"]
        lines.append(f"Load with COPY: {b['load_s']:,} s; full rollup build: {b['rollups_full_refresh_s']:,} s.")
    lines += ["", "| target | measured | target | result |", "|---|---|---|---|"]
    for t in results["targets"]:
        verdict = "pass" if t["passed"] else f"MISSED: {t['missed_by']}"
        lines.append(f"| {t['name']} | {t['measured']:,} {t['unit']} | {t['rule']} {t['target']:,} {t['unit']} "
                     f"| {verdict} |")  # fmt: skip
    return "\n".join(lines)
