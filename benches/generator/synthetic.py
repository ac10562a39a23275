#!/usr/bin/env python3
"""Writes a synthetic Seedwork domain spec with N aggregates, for the generator benchmark.

    python3 benches/generator/synthetic.py 100 > domain.toml
    python3 benches/generator/synthetic.py 1000 --output bench-1000.toml

Deterministic: the same N always gives the same bytes (no randomness, no clock). Aggregate i
is `<qualifier><noun>` (`RetailOrder`, `WholesaleInvoice`, ...): 40 nouns, then the next
qualifier, so up to 1,000 aggregates get distinct, readable names.

Every aggregate has what a real one has, so that every template and most of their branches
render:

- a typed id of one of four kinds, in turn: server-assigned uuid, client-assigned string,
  client-assigned uuid, client-assigned integer; event-sourced and state-stored in turn;
- state fields of every built-in type (String, bool, i64, u32, u64, f64, Decimal, Date,
  DateTime, Uuid, Option, Vec, Map), a reference to the previous aggregate by id, and value
  objects and enums of its group (one group per qualifier: `<Q>Priority` with a doc per
  variant, `<Q>Channel`, `<Q>Money`, `<Q>Contact` holding a `<Q>PostalAddress`);
- every fourth, a child entity (`<X>Line`) that its creating command takes a list of;
- a lifecycle Draft → Submitted → Approved → Closed, Cancelled from Draft or Submitted;
- five commands (create, submit, approve, close, cancel) with length, range, pattern, e-mail
  and item-count constraints and examples, roles, some idempotent, some with their own route;
- five events, each emitted by one command, filled from the command, the id and the state;
  some integration events, some of version 2; the approval carries what was approved;
- a read model `<X>Summary` with a get query and a list query (filters, page size, roles),
  updated by every field its events carry or by listed fields, removed by a cancellation in
  one aggregate of three;
- policies across aggregates: in every 10, the aggregate `5` submits its predecessor when it
  closes (mapped id); in every 20, the aggregate `3` creates its successor (a server-assigned
  uuid) when it is approved.
"""
import argparse
import json
import sys

NOUNS = [
    "Order", "Invoice", "Shipment", "Booking", "Ticket", "Parcel", "Claim", "Lease",
    "Loan", "Subscription", "Refund", "Quote", "Contract", "Payment", "Delivery",
    "Reservation", "Inspection", "Permit", "Campaign", "Voucher", "Exchange", "Transfer",
    "Appointment", "Enrollment", "Audit", "Requisition", "Tender", "Consignment",
    "Warranty", "Complaint", "Estimate", "Dispatch", "Rental", "Pickup", "Manifest",
    "Survey", "Incident", "Allocation", "Assessment", "Membership",
]
QUALIFIERS = [
    "Retail", "Wholesale", "Export", "Import", "Customs", "Freight", "Marine", "Rail",
    "Air", "Road", "Warehouse", "Fleet", "Partner", "Supplier", "Vendor", "Corporate",
    "Regional", "Campus", "Clinic", "Studio", "Market", "Harbor", "Depot", "Field", "Metro",
]
MAX = len(NOUNS) * len(QUALIFIERS)


def s(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for ASCII text)."""
    return json.dumps(text, ensure_ascii=True)


def snake(name: str) -> str:
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i > 0:
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")


def plural(word: str) -> str:
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def field(name: str, ty: str, doc: str, **keys) -> str:
    parts = [f"type = {s(ty)}"]
    for key, value in keys.items():
        if isinstance(value, bool):
            parts.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, (int, float)):
            parts.append(f"{key} = {value}")
        else:
            parts.append(f"{key} = {s(value)}")
    parts.append(f"doc = {s(doc)}")
    return f"fields.{name} = {{ {', '.join(parts)} }}"


class Aggregate:
    def __init__(self, i: int, n: int):
        self.i = i
        self.q = QUALIFIERS[i // len(NOUNS)]
        self.noun = NOUNS[i % len(NOUNS)]
        self.name = self.q + self.noun
        self.snake = snake(self.name)
        self.id_field = f"{self.snake}_id"
        self.id_kind = i % 4  # 0 server uuid, 1 client string, 2 client uuid, 3 client integer
        self.event_sourced = i % 2 == 0
        self.has_lines = i % 4 == 2
        self.prev = Aggregate.name_of(i - 1) if i > 0 else None
        # The policy "create the next one when this one is approved" (see `policies`).
        self.starts_next = i % 20 == 3 and i + 1 < n

    @staticmethod
    def name_of(i: int) -> str:
        return QUALIFIERS[i // len(NOUNS)] + NOUNS[i % len(NOUNS)]


def group_types(q: str) -> str:
    phone = field("phone", "String", "International phone number.", required=False,
                  pattern="^\\+[1-9][0-9]{7,14}$", example="+4940123456")
    return f"""
# ---------------------------------------------------------------------------------------------
# The {q.lower()} group's vocabulary
# ---------------------------------------------------------------------------------------------

[enums.{q}Priority]
doc = "How urgently the {q.lower()} desk handles a case."
variants = {{ Normal = "Within the agreed time.", Low = "When there is time.", High = "Before the normal ones.", Urgent = "At once, day or night." }}

[enums.{q}Channel]
doc = "Where a {q.lower()} case came in."
variants = ["Web", "Phone", "Partner", "Counter"]

[value_objects.{q}PostalAddress]
doc = "A postal address in the {q.lower()} group's format."
{field("street", "String", "Street and number.", min_len=1, max_len=200, example="1 Harbour Road")}
{field("city", "String", "City.", min_len=1, max_len=100, example="Hamburg")}
{field("zip", "String", "Five-digit postal code.", pattern="^[0-9]{5}$", example="20095")}
{field("country", "String", "ISO 3166 country code.", pattern="^[A-Z]{2}$", example="DE")}

[value_objects.{q}Contact]
doc = \"\"\"
Who to talk to about a {q.lower()} case.

- the name and e-mail are required;
- the phone is optional, in international format (`+4940123456`).\"\"\"
{field("name", "String", "Full name.", min_len=2, max_len=100, example="Ada Lovelace")}
{field("email", "String", "Where mail goes.", email=True, max_len=254, example="ada@example.com")}
{phone}
{field("address", f"{q}PostalAddress", "Where letters go.")}

[value_objects.{q}Money]
doc = "An amount in a currency."
{field("amount", "Decimal", "How much; never negative.", min=0, max=1000000, example=120.5)}
{field("currency", "String", "ISO 4217 code.", pattern="^[A-Z]{3}$", example="EUR")}
"""


def aggregate(a: Aggregate) -> str:
    x, q, sn = a.name, a.q, a.snake
    plural_kebab = kebab(plural(x))
    id_decl = [
        'id = "uuid"',
        'id = "string"',
        'id = { type = "uuid", assigned = "client" }',
        'id = "integer"',
    ][a.id_kind]
    out = [f"""
# ---------------------------------------------------------------------------------------------
# {x} ({a.i})
# ---------------------------------------------------------------------------------------------

[aggregates.{x}]
doc = \"\"\"
A {q.lower()} {a.noun.lower()}: drafted, submitted for approval, approved by a manager, and \\
closed; it can be cancelled until it is approved.

Aggregate {a.i} of the synthetic benchmark spec: {"event-sourced" if a.event_sourced else "state-stored"}, \\
its id {["assigned by the service", "a string the caller chooses", "a uuid the caller chooses", "a number the caller chooses"][a.id_kind]}.\"\"\"
{id_decl}"""]
    if not a.event_sourced:
        out.append('storage = "state_stored"')
    out.append(f"""
[aggregates.{x}.fields]
title = {{ type = "String", doc = "What it is about." }}
contact = {{ type = "{q}Contact", doc = "Who to talk to." }}
budget = {{ type = "{q}Money", doc = "What it may cost." }}
priority = {{ type = "{q}Priority", doc = "How urgent it is." }}
channel = {{ type = "{q}Channel", doc = "Where it came in." }}
quantity = {{ type = "u32", doc = "How many units." }}
due_on = {{ type = "Date", doc = "When it is due." }}
tags = {{ type = "Vec<String>", doc = "Free labels." }}
attributes = {{ type = "Map<String, String>", doc = "Named extra values." }}""")
    if a.prev:
        out.append(f'related_id = {{ type = "{a.prev}Id", doc = "The {a.prev} it follows up on." }}')
    if a.has_lines:
        out.append(f'lines = {{ type = "Vec<{x}Line>", doc = "What it is made of." }}')
    out.append(f"""note = {{ type = "String", required = false, doc = "The submitter's note." }}
approved_by = {{ type = "String", doc = "Who approved it; empty until approved." }}
score = {{ type = "f64", doc = "The approver's score." }}
express = {{ type = "bool", doc = "Whether it was approved for express handling." }}
closed_at = {{ type = "DateTime", doc = "When it was closed." }}
revision = {{ type = "i64", doc = "The closing revision number." }}
reason = {{ type = "String", doc = "Why it was cancelled; empty unless it was." }}
""")
    if a.has_lines:
        out.append(f"""[aggregates.{x}.entities.{x}Line]
doc = "One line of a {q.lower()} {a.noun.lower()}, identified by its number."
{field("id", "u32", "The line number.", min=1)}
{field("sku", "String", "Stock keeping unit.", pattern="^[A-Z]{3}-[0-9]{4}$", example="ABC-1234")}
{field("units", "i32", "How many.", min=1, max=999)}
{field("unit_price", "Decimal", "Price of one unit.", min=0)}
{field("weight_grams", "u64", "Weight of one unit, when known.", required=False, max=1000000)}
""")
    out.append(f"""[aggregates.{x}.lifecycle]
initial = "Draft"
terminal = ["Closed", "Cancelled"]

[aggregates.{x}.lifecycle.states]
Draft = "Being written; nobody acts on it yet."
Submitted = "Waiting for a manager."
Approved = "Approved; being carried out."
Closed = "Done."
Cancelled = "Called off before it was approved."

[aggregates.{x}.commands.Create{x}]
doc = "Drafts a new {q.lower()} {a.noun.lower()}."
creates = true
emits = ["{x}Created"]""")
    if a.i % 5 == 0:
        out.append("idempotent = true")
    out.append(f"""{field("title", "String", "What it is about.", min_len=3, max_len=120, example="Quarterly restock")}
{field("contact", f"{q}Contact", "Who to talk to.")}
{field("budget", f"{q}Money", "What it may cost.")}
{field("priority", f"{q}Priority", "How urgent it is.", example="High")}
{field("channel", f"{q}Channel", "Where it came in.")}
{field("quantity", "u32", "How many units.", min=1, max=10000, example=12)}
{field("due_on", "Date", "When it is due.")}
{field("tags", "Vec<String>", "Free labels.", max_items=10)}
{field("attributes", "Map<String, String>", "Named extra values.", max_items=20)}""")
    if a.prev:
        out.append(field("related_id", f"{a.prev}Id", f"The {a.prev} it follows up on."))
    if a.has_lines:
        out.append(field("lines", f"Vec<{x}Line>", "What it is made of.", min_items=1, max_items=50))
    out.append(f"""
[aggregates.{x}.commands.Submit{x}]
doc = "The author sends it for approval."
from = ["Draft"]
to = "Submitted"
emits = ["{x}Submitted"]
{field("note", "String", "A note for the approver.", required=False, max_len=500)}
""")
    out.append(f"""[aggregates.{x}.commands.Approve{x}]
doc = "A manager approves it."
from = ["Submitted"]
to = "Approved"
emits = ["{x}Approved"]
roles = ["manager"]""")
    if a.i % 3 == 0:
        out.append(f'http = {{ method = "PUT", path = "/{plural_kebab}/{{{a.id_field}}}/approval" }}')
    out.append(f"""{field("approved_by", "String", "The approving manager.", min_len=2, max_len=100, example="Grace Hopper")}
{field("score", "f64", "How good it looks, 0 to 100.", min=0, max=100, example=87.5)}
{field("express", "bool", "Whether to handle it first.", example=False)}
""")
    out.append(f"""[aggregates.{x}.commands.Close{x}]
doc = "Marks it done."
from = ["Approved"]
to = "Closed"
emits = ["{x}Closed"]""")
    if a.i % 2 == 1:
        out.append("idempotent = true")
    out.append(f"""{field("closed_at", "DateTime", "When it was done.")}
{field("revision", "i64", "The closing revision number.", min=0, max=1000000, example=3)}
""")
    out.append(f"""[aggregates.{x}.commands.Cancel{x}]
doc = "Calls it off before it is approved."
from = ["Draft", "Submitted"]
to = "Cancelled"
emits = ["{x}Cancelled"]
roles = ["manager", "clerk"]
{field("reason", "String", "Why, in a few words.", min_len=3, max_len=200, example="No longer needed")}
""")
    created = [
        ("title", "String"), ("contact", f"{q}Contact"), ("budget", f"{q}Money"),
        ("priority", f"{q}Priority"), ("channel", f"{q}Channel"), ("quantity", "u32"),
        ("due_on", "Date"), ("tags", "Vec<String>"), ("attributes", "Map<String, String>"),
    ]
    if a.prev:
        created.append(("related_id", f"{a.prev}Id"))
    if a.has_lines:
        created.append(("lines", f"Vec<{x}Line>"))
    out.append(f"""[aggregates.{x}.events.{x}Created]
doc = "It was drafted."
""" + "\n".join(f'fields.{n} = {{ type = "{t}", doc = "As drafted." }}' for n, t in created) + "\n")
    out.append(f"""[aggregates.{x}.events.{x}Submitted]
doc = "It was sent for approval."
fields.note = {{ type = "String", required = false, doc = "The note for the approver." }}
fields.title = {{ type = "String", doc = "What it is about." }}
""")
    approved = [
        ("approved_by", "String"), ("score", "f64"), ("express", "bool"),
        ("title", "String"), ("priority", f"{q}Priority"),
    ]
    if a.starts_next:
        # What the policy needs to create the next aggregate.
        approved += [
            ("contact", f"{q}Contact"), ("budget", f"{q}Money"), ("channel", f"{q}Channel"),
            ("quantity", "u32"), ("due_on", "Date"), ("tags", "Vec<String>"),
            ("attributes", "Map<String, String>"),
        ]
    head = [f"[aggregates.{x}.events.{x}Approved]",
            'doc = "A manager approved it; other contexts hear of it with what was approved."']
    if a.i % 2 == 0:
        head.append("integration = true")
    if a.i % 5 == 1:
        head.append("version = 2")
    out.append("\n".join(head) + "\n" + "\n".join(
        f'fields.{n} = {{ type = "{t}", doc = "As approved." }}' for n, t in approved) + "\n")
    closed = [("closed_at", "DateTime"), ("revision", "i64"), ("budget", f"{q}Money")]
    if a.prev:
        closed.append(("related_id", f"{a.prev}Id"))
    out.append(f"""[aggregates.{x}.events.{x}Closed]
doc = "It was done."
""" + "\n".join(f'fields.{n} = {{ type = "{t}", doc = "As closed." }}' for n, t in closed) + "\n")
    out.append(f"""[aggregates.{x}.events.{x}Cancelled]
doc = "It was called off."
fields.reason = {{ type = "String", doc = "Why." }}
""")
    # The read model and its queries.
    rm = f"{x}Summary"
    removed = a.i % 3 == 2
    out.append(f"""[read_models.{rm}]
doc = "A {q.lower()} {a.noun.lower()} as the desk lists it."
key = "{a.id_field}\"""")
    if a.i % 2 == 0:
        events = [f"{x}Created", f"{x}Submitted", f"{x}Approved"]
        if not removed:
            events.append(f"{x}Cancelled")
        out.append("updated_by = [" + ", ".join(s(e) for e in events) + "]")
    else:
        arms = [f'{x}Created = ["title", "priority", "budget", "contact", "due_on"]',
                f'{x}Approved = ["approved_by", "priority"]']
        if not removed:
            arms.append(f'{x}Cancelled = ["reason"]')
        out.append("updated_by = { " + ", ".join(arms) + " }")
    if removed:
        out.append(f'removed_by = ["{x}Cancelled"]')
    out.append(f"""fields.{a.id_field} = {{ type = "{x}Id", doc = "Which one." }}
fields.title = {{ type = "String", doc = "What it is about." }}
fields.priority = {{ type = "{q}Priority", doc = "How urgent it is." }}
fields.budget = {{ type = "{q}Money", doc = "What it may cost." }}
fields.contact = {{ type = "{q}Contact", doc = "Who to talk to." }}
fields.due_on = {{ type = "Date", doc = "When it is due." }}
fields.approved_by = {{ type = "String", doc = "Who approved it; empty until approved." }}""")
    if not removed:
        out.append('fields.reason = { type = "String", required = false, doc = "Why it was cancelled, if it was." }')
    out.append(f"""
[read_models.{rm}.queries.Get{rm}]
doc = "One {q.lower()} {a.noun.lower()}, by id."
kind = "get"

[read_models.{rm}.queries.List{plural(rm)}]
doc = "The {q.lower()} {plural(a.noun.lower())}, a page at a time, by priority."
kind = "list"
filters = ["priority"]
page_size = 25""")
    if a.i % 2 == 1:
        out.append('roles = ["manager", "clerk"]')
    return "\n".join(out) + "\n"


def policies(aggs: list[Aggregate]) -> str:
    out = ["""
# ---------------------------------------------------------------------------------------------
# Policies across aggregates
# ---------------------------------------------------------------------------------------------
"""]
    for a in aggs:
        if a.i % 10 == 5:
            prev = aggs[a.i - 1]
            out.append(f"""[policies.Submit{prev.name}When{a.name}Closed]
doc = "Closing a {a.name} sends the {prev.name} it follows up on for approval."
on = "{a.name}Closed"
send = "Submit{prev.name}"
map = {{ {prev.id_field} = "related_id" }}
""")
        if a.starts_next:
            nxt = aggs[a.i + 1]
            assert nxt.id_kind == 0 and not nxt.has_lines and nxt.q == a.q
            out.append(f"""[policies.Create{nxt.name}When{a.name}Approved]
doc = "An approved {a.name} starts a {nxt.name} with what was approved."
on = "{a.name}Approved"
send = "Create{nxt.name}"
map = {{ related_id = "{a.id_field}" }}
""")
    return "\n".join(out)


def spec(n: int) -> str:
    if not 1 <= n <= MAX:
        raise SystemExit(f"between 1 and {MAX} aggregates")
    aggs = [Aggregate(i, n) for i in range(n)]
    groups = []
    for a in aggs:
        if a.q not in groups:
            groups.append(a.q)
    parts = [f"""# A synthetic spec of {n} aggregates for the generator benchmark (issue 6), written by
# benches/generator/synthetic.py {n}: do not edit, regenerate it.

[context]
name = "synthetic_{n}"
version = "0.1.0"
doc = \"\"\"
A synthetic bounded context of {n} aggregates in {len(groups)} group(s), for measuring the generator.

Each aggregate has a lifecycle, five commands, five events and a read model with two queries; \\
policies connect some of them.\"\"\"
"""]
    parts += [group_types(q) for q in groups]
    parts += [aggregate(a) for a in aggs]
    parts.append(policies(aggs))
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("aggregates", type=int)
    parser.add_argument("--output", "-o", help="default: standard output")
    args = parser.parse_args()
    text = spec(args.aggregates)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
