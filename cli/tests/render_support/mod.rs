//! A model built by hand, as the checker would build it from a spec, for the render tests.
//!
//! It exercises what the templates must handle: both storages, both id kinds, a lifecycle and
//! none, value objects and entities, every field source (command, id, state, unwrapped state,
//! default), an aggregate without events, every id kind, every sample kind (lengths, a pattern, an impossible pattern, e-mail, ranges,
//! items, options, maps, dates, decimals), events with many fields, docs with characters that
//! must not escape a comment, roles with quotes, and a read model with queries.
#![allow(dead_code)]

use heck::{ToKebabCase, ToShoutySnakeCase, ToSnakeCase};
use seedwork_cli::model::*;

pub fn names(name: &str) -> Names {
    let snake = name.to_snake_case();
    Names {
        name: name.to_owned(),
        kebab: name.to_kebab_case(),
        shouty: name.to_shouty_snake_case(),
        plural_snake: format!("{snake}s"),
        plural_kebab: format!("{}s", name.to_kebab_case()),
        words: snake.replace('_', " "),
        snake,
    }
}

fn lines(doc: &str) -> Vec<String> {
    doc.lines().map(ToOwned::to_owned).collect()
}

const ENUMS: &[&str] = &["PaymentMethod"];
const VALUE_OBJECTS: &[&str] = &["Address", "PizzaLine", "Contact"];

/// The resolved type of a spec type string, as the checker computes it.
pub fn ty(spec: &str) -> Type {
    let (rust, kind, has_default, is_copy, is_scalar) = resolve(spec);
    Type {
        spec: spec.to_owned(),
        rust,
        kind,
        has_default,
        is_copy,
        is_scalar,
    }
}

fn resolve(spec: &str) -> (String, TypeKind, bool, bool, bool) {
    if let Some(inner) = spec
        .strip_prefix("Option<")
        .and_then(|s| s.strip_suffix('>'))
    {
        let (rust, _, _, copy, _) = resolve(inner);
        return (
            format!("Option<{rust}>"),
            TypeKind::Option,
            true,
            copy,
            false,
        );
    }
    if let Some(inner) = spec.strip_prefix("Vec<").and_then(|s| s.strip_suffix('>')) {
        let (rust, ..) = resolve(inner);
        return (format!("Vec<{rust}>"), TypeKind::List, true, false, false);
    }
    if let Some(inner) = spec
        .strip_prefix("Map<String, ")
        .and_then(|s| s.strip_suffix('>'))
    {
        let (rust, ..) = resolve(inner);
        return (
            format!("BTreeMap<String, {rust}>"),
            TypeKind::Map,
            true,
            false,
            false,
        );
    }
    let simple = |rust: &str, kind, copy| (rust.to_owned(), kind, true, copy, true);
    match spec {
        "String" => simple("String", TypeKind::String, false),
        "bool" => simple("bool", TypeKind::Bool, true),
        "i32" | "i64" | "u32" | "u64" => simple(spec, TypeKind::Integer, true),
        "f64" => simple("f64", TypeKind::Float, true),
        "Decimal" => simple("Decimal", TypeKind::Decimal, true),
        "Date" => simple("NaiveDate", TypeKind::Time, true),
        "Time" => simple("NaiveTime", TypeKind::Time, true),
        "DateTime" => simple("DateTime<Utc>", TypeKind::Time, true),
        "Uuid" => simple("Uuid", TypeKind::Uuid, true),
        "OrderId" => (spec.to_owned(), TypeKind::Id, false, true, true),
        "CustomerId" => (spec.to_owned(), TypeKind::Id, false, false, true),
        name if ENUMS.contains(&name) => (name.to_owned(), TypeKind::Enum, true, true, true),
        name if VALUE_OBJECTS.contains(&name) => {
            let kind = if name == "Contact" {
                TypeKind::Entity
            } else {
                TypeKind::ValueObject
            };
            (name.to_owned(), kind, false, false, false)
        }
        other => panic!("the test model has no type `{other}`"),
    }
}

pub fn field(name: &str, spec: &str, validate: &[&str], doc: &str) -> Field {
    Field {
        name: name.to_owned(),
        doc: lines(doc),
        ty: ty(spec),
        validate: validate.iter().map(|v| (*v).to_owned()).collect(),
        example: None,
    }
}

fn state(field: Field) -> StateField {
    let stored_as_option = !field.ty.has_default;
    let stored_rust = if stored_as_option {
        format!("Option<{}>", field.ty.rust)
    } else {
        field.ty.rust.clone()
    };
    StateField {
        field,
        stored_as_option,
        stored_rust,
    }
}

fn variant(name: &str, doc: &str) -> Variant {
    Variant {
        names: names(name),
        doc: lines(doc),
    }
}

fn event(name: &str, fields: Vec<Field>, sets_state: Option<&str>, state: &[StateField]) -> Event {
    let applies = fields
        .iter()
        .filter_map(|f| {
            state
                .iter()
                .find(|s| s.field.name == f.name)
                .map(|s| Applied {
                    field: f.name.clone(),
                    wrap_in_some: s.stored_as_option
                        || (s.field.ty.kind == TypeKind::Option && f.ty.kind != TypeKind::Option),
                })
        })
        .collect();
    Event {
        names: names(name),
        doc: lines(&format!("{name} happened.")),
        version: 1,
        integration: false,
        fields,
        sets_state: sets_state.map(ToOwned::to_owned),
        applies,
    }
}

fn http(path: &str) -> Http {
    Http {
        method: "POST".into(),
        method_lower: "post".into(),
        path: path.into(),
    }
}

/// A command; its events' sources are worked out by name, as the checker does.
#[allow(clippy::too_many_arguments)]
fn command(
    name: &str,
    creates: bool,
    fields: Vec<Field>,
    from: &[&str],
    to: Option<&str>,
    emits: &[&str],
    roles: &[&str],
    aggregate_events: &[Event],
    id: &Id,
    state: &[StateField],
) -> Command {
    let emits = emits
        .iter()
        .map(|emitted| {
            let event = aggregate_events
                .iter()
                .find(|e| e.names.name == *emitted)
                .expect("declared event");
            Emitted {
                event: (*emitted).to_owned(),
                fields: event
                    .fields
                    .iter()
                    .map(|f| {
                        let (from, unwrap_state) = if fields.iter().any(|c| c.name == f.name) {
                            (Source::Command, false)
                        } else if f.name == id.field {
                            (Source::AggregateId, false)
                        } else if let Some(s) = state.iter().find(|s| s.field.name == f.name) {
                            (Source::State, s.stored_as_option)
                        } else {
                            (Source::Default, false)
                        };
                        FieldSource {
                            field: f.name.clone(),
                            from,
                            unwrap_state,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Command {
        names: names(name),
        doc: lines(&format!("Sends {name}.")),
        creates,
        fields,
        from: from.iter().map(|s| (*s).to_owned()).collect(),
        to: to.map(ToOwned::to_owned),
        emits,
        roles: roles.iter().map(|s| (*s).to_owned()).collect(),
        idempotent: false,
        // As the checker routes them: a creating command on the collection, any other on
        // one aggregate, by its id.
        http: if creates {
            http(&format!("/{}", name.to_kebab_case()))
        } else {
            http(&format!("/{}/{{{}}}", name.to_kebab_case(), id.field))
        },
    }
}

fn order() -> Aggregate {
    let id = Id {
        type_name: "OrderId".into(),
        field: "order_id".into(),
        inner: "Uuid".into(),
        kind: IdKind::Uuid,
        server_assigned: true,
    };
    let fields: Vec<StateField> = vec![
        state(field("customer", "String", &[], "Who ordered.")),
        state(field("address", "Address", &[], "Where the pizzas go.")),
        state(field("pizzas", "Vec<PizzaLine>", &[], "")),
        state(field(
            "payment_method",
            "PaymentMethod",
            &[],
            "How the customer pays.",
        )),
        state(field("chef", "Option<String>", &[], "Who cooks.")),
        state(field("total", "Decimal", &[], "What it costs.")),
        state(field("placed_on", "Date", &[], "")),
        state(field(
            "customer_ref",
            "Option<CustomerId>",
            &[],
            "The customer's record, if any.",
        )),
    ];
    let events = vec![
        event(
            "OrderPlaced",
            vec![
                field("customer", "String", &[], "Who ordered."),
                field("address", "Address", &[], ""),
                field("pizzas", "Vec<PizzaLine>", &[], ""),
                field("payment_method", "PaymentMethod", &[], ""),
                field("customer_ref", "Option<CustomerId>", &[], ""),
            ],
            Some("Placed"),
            &fields,
        ),
        event(
            "CookingStarted",
            vec![field("chef", "String", &[], "")],
            Some("Cooking"),
            &fields,
        ),
        event(
            "OrderReady",
            vec![
                field("address", "Address", &[], ""),
                field("order_id", "OrderId", &[], ""),
            ],
            Some("Ready"),
            &fields,
        ),
        event("OrderDelivered", vec![], Some("Delivered"), &fields),
        event(
            "OrderCancelled",
            vec![
                field("reason", "String", &[], ""),
                field("total", "Decimal", &[], ""),
            ],
            Some("Cancelled"),
            &fields,
        ),
        event(
            "NoteAdded",
            vec![field("note", "String", &[], "")],
            None,
            &fields,
        ),
    ];
    let commands = vec![
        command(
            "PlaceOrder",
            true,
            vec![
                field(
                    "customer",
                    "String",
                    &["length(min = 2, max = 100)"],
                    "Who orders.",
                ),
                field("address", "Address", &[], "Where to."),
                field(
                    "pizzas",
                    "Vec<PizzaLine>",
                    &["items(min = 1, max = 20)"],
                    "What.",
                ),
                field("payment_method", "PaymentMethod", &[], ""),
                field("customer_ref", "Option<CustomerId>", &[], ""),
            ],
            &[],
            Some("Placed"),
            &["OrderPlaced"],
            &[],
            &events,
            &id,
            &fields,
        ),
        command(
            "StartCooking",
            false,
            vec![field("chef", "String", &["length(min = 1)"], "")],
            &["Placed"],
            Some("Cooking"),
            &["CookingStarted"],
            &["kitchen"],
            &events,
            &id,
            &fields,
        ),
        command(
            "MarkReady",
            false,
            vec![],
            &["Cooking"],
            Some("Ready"),
            &["OrderReady"],
            &["kitchen"],
            &events,
            &id,
            &fields,
        ),
        command(
            "DeliverOrder",
            false,
            vec![],
            &["Ready"],
            Some("Delivered"),
            &["OrderDelivered"],
            &["delivery \"driver\" \\ {}"],
            &events,
            &id,
            &fields,
        ),
        command(
            "CancelOrder",
            false,
            vec![field(
                "reason",
                "String",
                &["length(min = 3, max = 200)"],
                "Why.",
            )],
            &["Placed", "Cooking"],
            Some("Cancelled"),
            &["OrderCancelled"],
            &[],
            &events,
            &id,
            &fields,
        ),
        command(
            "AddNote",
            false,
            vec![field(
                "note",
                "String",
                &[r#"pattern = "^a\\bb$""#],
                "A pattern no text matches.",
            )],
            &[],
            None,
            &["NoteAdded"],
            &[],
            &events,
            &id,
            &fields,
        ),
    ];
    Aggregate {
        names: names("Order"),
        doc: vec![
            "An order of the pizzeria: \"quoted\", a \\ backslash, a */ comment end, {{ braces }} and {% tags %}.".into(),
            "/// a line that looks like a doc comment, and one with a bare \r carriage return".into(),
            String::new(),
            "Emoji 🍕 and a right-to-left \u{202E} override.".into(),
        ],
        id,
        storage: Storage::StateStored,
        fields,
        lifecycle: Some(Lifecycle {
            type_name: "OrderStatus".into(),
            states: vec![
                variant("Placed", "Waiting for the kitchen."),
                variant("Cooking", ""),
                variant("Ready", ""),
                variant("Delivered", ""),
                variant("Cancelled", ""),
            ],
            initial: "Placed".into(),
            terminal: vec!["Delivered".into(), "Cancelled".into()],
        }),
        entities: vec![],
        events,
        commands,
        table: "orders".into(),
        route: "/orders".into(),
    }
}

fn customer() -> Aggregate {
    let id = Id {
        type_name: "CustomerId".into(),
        field: "customer_id".into(),
        inner: "String".into(),
        kind: IdKind::String,
        server_assigned: false,
    };
    let fields: Vec<StateField> = vec![
        state(field("name", "String", &[], "")),
        state(field("contacts", "Vec<Contact>", &[], "")),
        state(field("vip", "bool", &[], "")),
        state(field("since", "DateTime", &[], "")),
        state(field("tags", "Map<String, u32>", &[], "")),
        state(field("balance", "i64", &[], "")),
        state(field("score", "f64", &[], "")),
    ];
    let profile = vec![
        field("name", "String", &["length(min = 2)"], ""),
        field("vip", "bool", &[], ""),
        field("balance", "i64", &["range(min = -100, max = -10)"], ""),
        field("score", "f64", &["range(min = 0.5, max = 0.75)"], ""),
        field("nickname", "Option<String>", &["length(min = 3)"], ""),
        field("born", "Option<Date>", &[], ""),
        field(
            "code",
            "String",
            &[r#"pattern = "^[A-Z]{2}-[0-9]{3}$""#],
            "Like `AB-123`.",
        ),
    ];
    let events = vec![
        event(
            "CustomerRegistered",
            vec![
                field("name", "String", &[], ""),
                field("tags", "Map<String, u32>", &[], ""),
                field("since", "DateTime", &[], ""),
            ],
            None,
            &fields,
        ),
        event(
            "ContactsReplaced",
            vec![field("contacts", "Vec<Contact>", &[], "")],
            None,
            &fields,
        ),
        event("ProfileUpdated", profile.clone(), None, &fields),
        event(
            "ScoreChanged",
            vec![
                field("score", "f64", &[], ""),
                field("balance", "i64", &[], ""),
            ],
            None,
            &fields,
        ),
    ];
    let commands = vec![
        command(
            "RegisterCustomer",
            true,
            vec![
                field("name", "String", &["length(min = 2, max = 50)"], ""),
                field("tags", "Map<String, u32>", &["items(min = 2)"], ""),
            ],
            &[],
            None,
            &["CustomerRegistered"],
            &[],
            &events,
            &id,
            &fields,
        ),
        command(
            "ReplaceContacts",
            false,
            vec![field("contacts", "Vec<Contact>", &["items(min = 1)"], "")],
            &[],
            None,
            &["ContactsReplaced"],
            &[],
            &events,
            &id,
            &fields,
        ),
        command(
            "UpdateProfile",
            false,
            profile,
            &[],
            None,
            &["ProfileUpdated"],
            &[],
            &events,
            &id,
            &fields,
        ),
        command(
            "ChangeScore",
            false,
            vec![field("score", "f64", &[], "")],
            &[],
            None,
            &["ScoreChanged"],
            &["admin"],
            &events,
            &id,
            &fields,
        ),
    ];
    Aggregate {
        names: names("Customer"),
        doc: vec![],
        id,
        storage: Storage::EventSourced,
        fields,
        lifecycle: None,
        entities: vec![ValueObject {
            names: names("Contact"),
            doc: lines("A way to reach a customer."),
            fields: vec![
                field("id", "u32", &[], "Which contact."),
                field("email", "String", &["email"], ""),
                field("phone", "Option<String>", &[], ""),
            ],
        }],
        events,
        commands,
        table: "customers".into(),
        route: "/customers".into(),
    }
}

/// An aggregate with an integer id and no event at all: its creating command records nothing.
fn tag() -> Aggregate {
    let id = Id {
        type_name: "TagId".into(),
        field: "tag_id".into(),
        inner: "i64".into(),
        kind: IdKind::Integer,
        server_assigned: false,
    };
    let fields = vec![state(field("label", "String", &[], ""))];
    let commands = vec![command(
        "CreateTag",
        true,
        vec![field("label", "String", &["length(max = 3)"], "")],
        &[],
        None,
        &[],
        &["tagger"],
        &[],
        &id,
        &fields,
    )];
    Aggregate {
        names: names("Tag"),
        doc: lines("A label; nothing happens to it yet."),
        id,
        storage: Storage::EventSourced,
        fields,
        lifecycle: None,
        entities: vec![],
        events: vec![],
        commands,
        table: "tags".into(),
        route: "/tags".into(),
    }
}

fn event_ref(aggregate: &str, event: &str) -> EventRef {
    EventRef {
        aggregate: aggregate.into(),
        aggregate_snake: aggregate.to_snake_case(),
        event: event.into(),
    }
}

/// The hand-built pizzeria.
pub fn pizzeria() -> Model {
    let key = field("order_id", "OrderId", &[], "The order.");
    let customer_field = field("customer", "String", &[], "");
    Model {
        context: Context {
            name: "pizzeria".into(),
            crate_name: "pizzeria".into(),
            lib_name: "pizzeria".into(),
            title: "Pizzeria".into(),
            doc: lines("Mario's Pizzeria: orders from the \"phone\" to the door.\nA second line."),
            version: "0.1.0".into(),
        },
        enums: vec![Enum {
            names: names("PaymentMethod"),
            doc: lines("How the customer pays."),
            variants: vec![
                variant("Cash", "Cash on delivery."),
                variant("Card", ""),
                variant("Online", ""),
            ],
        }],
        value_objects: vec![
            ValueObject {
                names: names("Address"),
                doc: lines("Where an order goes."),
                fields: vec![
                    field(
                        "street",
                        "String",
                        &["length(min = 1, max = 200)"],
                        "The street.",
                    ),
                    field("zip", "String", &[r#"pattern = "^[0-9]{5}$""#], ""),
                ],
            },
            ValueObject {
                names: names("PizzaLine"),
                doc: vec![],
                fields: vec![
                    field("name", "String", &["length(min = 1, max = 50)"], ""),
                    field("quantity", "u32", &["range(min = 1, max = 10)"], ""),
                ],
            },
        ],
        aggregates: vec![order(), customer(), tag()],
        read_models: vec![ReadModel {
            names: names("KitchenTicket"),
            doc: lines("An order as the kitchen display shows it."),
            key: key.clone(),
            fields: vec![
                key,
                customer_field.clone(),
                field("pizzas", "Vec<PizzaLine>", &[], ""),
            ],
            updates: vec![Update {
                event: event_ref("Order", "OrderPlaced"),
                fields: vec![],
                key_from: Source::AggregateId,
            }],
            removed_by: vec![event_ref("Order", "OrderDelivered")],
            queries: vec![
                Query {
                    names: names("GetKitchenTicket"),
                    doc: vec![],
                    kind: QueryKind::Get,
                    filters: vec![],
                    page_size: 50,
                    roles: vec![],
                    http: http("/kitchen-tickets/{order_id}"),
                },
                Query {
                    names: names("ListKitchenTickets"),
                    doc: lines("The kitchen's queue."),
                    kind: QueryKind::List,
                    filters: vec![customer_field],
                    page_size: 20,
                    roles: vec!["kitchen".into()],
                    http: http("/kitchen-tickets"),
                },
            ],
            table: "kitchen_tickets".into(),
        }],
        policies: vec![],
        subscriptions: vec![],
        homes: Default::default(),
    }
}
