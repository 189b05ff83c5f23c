"""Writing the contract's CSV files for tests."""

import csv

NODES = [
    {"slug": "acme", "name": "Acme", "kind": "network", "parent_slug": "", "currency": "EUR",
     "timezone": "Europe/Paris", "fiscal_year_start_month": "9"},
    {"slug": "nord", "name": "Nord", "kind": "region", "parent_slug": "acme"},
    {"slug": "sud", "name": "Sud", "kind": "region", "parent_slug": "acme"},
    {"slug": "lille", "name": "Lille", "kind": "franchisee", "parent_slug": "nord"},
    {"slug": "roubaix", "name": "Roubaix", "kind": "franchisee", "parent_slug": "nord"},
    {"slug": "nice", "name": "Nice", "kind": "franchisee", "parent_slug": "sud"},
]  # fmt: skip


def write_csv(folder, name, rows, columns=None):
    columns = columns or list(dict.fromkeys(c for row in rows for c in row))
    path = folder / f"{name}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path
