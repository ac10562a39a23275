//! The JSON Schema of the spec format (`seedwork_cli::schema`): the checked-in copy is current,
//! it is a valid draft 2020-12 schema, every example spec conforms to it (and passes the
//! checker), and the usual mistakes (an unknown key, a wrong type, a badly cased name) do not.

use std::path::{Path, PathBuf};

use seedwork_cli::schema::{json_schema, json_schema_pretty};
use serde_json::Value;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&json_schema()).expect("the schema compiles")
}

/// Every validation error of `instance`, as `path: message`.
fn errors(instance: &Value) -> Vec<String> {
    validator()
        .iter_errors(instance)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

/// A TOML spec as the JSON value editors validate (TOML datetimes are not used by the format).
fn to_json(toml: &str) -> Value {
    toml::from_str::<Value>(toml).expect("valid TOML")
}

#[test]
fn the_checked_in_schema_is_current() {
    let path = root().join("cli/seedwork.schema.json");
    let expected = json_schema_pretty();
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if on_disk == expected {
        return;
    }
    if std::env::var_os("SEEDWORK_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, expected).expect("write cli/seedwork.schema.json");
        return;
    }
    panic!(
        "cli/seedwork.schema.json differs from seedwork_cli::schema::json_schema(); \
         regenerate it with `SEEDWORK_UPDATE_SCHEMA=1 cargo test -p seedwork-cli --test schema` \
         and review the diff"
    );
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema = json_schema();
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("not a valid schema: {error} at {}", error.instance_path());
    }
}

#[test]
fn every_example_spec_conforms() {
    let examples = root().join("examples");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples/")
        .filter_map(|entry| Some(entry.ok()?.path().join("domain.toml")))
        .filter(|path| path.is_file())
        .collect();
    specs.sort();
    for name in ["bank", "eshop-basket", "eshop-ordering", "pizzeria"] {
        assert!(
            specs.contains(&examples.join(name).join("domain.toml")),
            "examples/{name}/domain.toml is missing"
        );
    }
    for path in specs {
        let text = std::fs::read_to_string(&path).expect("read the spec");
        assert_eq!(
            text.lines().next(),
            Some("#:schema ../../cli/seedwork.schema.json"),
            "{} should start with the schema directive",
            path.display()
        );
        let problems = errors(&to_json(&text));
        assert!(
            problems.is_empty(),
            "{} does not conform to the schema:\n{}",
            path.display(),
            problems.join("\n")
        );
    }
}

#[test]
fn every_example_spec_passes_the_checker_without_a_finding() {
    for name in ["bank", "eshop-basket", "eshop-ordering", "pizzeria"] {
        let path = root().join("examples").join(name).join("domain.toml");
        let (source, checked) = seedwork_cli::check::load(&path).expect("read the spec");
        assert!(
            checked.diagnostics.is_empty(),
            "examples/{name}/domain.toml:\n{}",
            checked.diagnostics.to_text(&source)
        );
        assert!(checked.model.is_some());
    }
}

#[test]
fn both_forms_of_every_flexible_key_conform() {
    let spec = r#"
        [context]
        name = "shop"

        [enums.Color]
        variants = ["Red", "Green"]

        [enums.Size]
        variants = { Small = "Small.", Large = "Large." }

        [aggregates.Cart]
        id = { type = "integer", assigned = "client" }
        fields = { items = "Vec<String>", note = { type = "String", required = false, max_len = 20 } }
        lifecycle = { initial = "Open", states = { Open = "Open.", Closed = "Closed." }, terminal = ["Closed"] }
        events.CartOpened = { version = 2, integration = true }
        commands.OpenCart = { creates = true, emits = ["CartOpened"], roles = ["shop:clerk"], http = { path = "/carts/open" } }

        [aggregates.Basket]
        lifecycle = { initial = "Open", states = ["Open"] }

        [read_models.CartView]
        key = "cart_id"
        fields = { cart_id = "CartId" }
        updated_by = { CartOpened = ["cart_id"] }
        queries.GetCart = {}
        queries.ListCarts = { kind = "list", filters = ["cart_id"], page_size = 10 }

        [policies.Log]
        on = "CartOpened"
        send = "OpenCart"
        map = { cart_id = "cart_id" }
    "#;
    let problems = errors(&to_json(spec));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `snippet` does not conform, and some error is reported at `path`.
#[track_caller]
fn assert_rejected(snippet: &str, path: &str) {
    let problems = errors(&to_json(snippet));
    assert!(
        problems
            .iter()
            .any(|problem| problem.starts_with(&format!("{path}:"))),
        "expected an error at `{path}`, got {problems:#?}"
    );
}

const CONTEXT: &str = "[context]\nname = \"shop\"\n";

#[test]
fn unknown_keys_are_rejected() {
    assert_rejected(
        &format!("{CONTEXT}[aggregates.Order.commands.PlaceOrder]\nemitz = [\"OrderPlaced\"]\n"),
        "/aggregates/Order/commands/PlaceOrder",
    );
    assert_rejected(&format!("{CONTEXT}[contexts]\n"), "");
    assert_rejected(
        &format!("{CONTEXT}[value_objects.Money]\nfields.amount = {{ type = \"Decimal\", minimum = 0 }}\n"),
        "/value_objects/Money/fields/amount",
    );
    assert_rejected(
        &format!("{CONTEXT}[read_models.View]\nkey = \"id\"\nqueries.Get = {{ sort = \"id\" }}\n"),
        "/read_models/View/queries/Get",
    );
}

#[test]
fn wrong_types_are_rejected() {
    assert_rejected(
        &format!("{CONTEXT}[aggregates.Order.commands.PlaceOrder]\ncreates = \"yes\"\n"),
        "/aggregates/Order/commands/PlaceOrder/creates",
    );
    assert_rejected(
        &format!("{CONTEXT}[aggregates.Order.events.OrderPlaced]\nversion = 0\n"),
        "/aggregates/Order/events/OrderPlaced/version",
    );
    assert_rejected(
        &format!("{CONTEXT}[value_objects.Money]\nfields.amount = 12\n"),
        "/value_objects/Money/fields/amount",
    );
    assert_rejected(
        &format!("{CONTEXT}[aggregates.Order]\nstorage = \"in_memory\"\n"),
        "/aggregates/Order/storage",
    );
    assert_rejected("[context]\nname = 7\n", "/context/name");
}

#[test]
fn badly_spelt_names_are_rejected() {
    assert_rejected(&format!("{CONTEXT}[aggregates.order]\n"), "/aggregates");
    assert_rejected(
        &format!("{CONTEXT}[value_objects.Money]\nfields.Amount = \"Decimal\"\n"),
        "/value_objects/Money/fields",
    );
    assert_rejected(
        &format!("{CONTEXT}[value_objects.Money]\nfields.type = \"String\"\n"),
        "/value_objects/Money/fields",
    );
    assert_rejected("[context]\nname = \"my-shop\"\n", "/context/name");
}

#[test]
fn rules_the_format_states_are_checked() {
    // The context is required, and so is a field table's type.
    assert_rejected("[enums.Color]\nvariants = [\"Red\"]\n", "");
    assert_rejected(
        &format!("{CONTEXT}[value_objects.Money]\nfields.amount = {{ min = 0 }}\n"),
        "/value_objects/Money/fields/amount",
    );
    // A creating command has no `from` states.
    assert_rejected(
        &format!("{CONTEXT}[aggregates.Order.commands.PlaceOrder]\ncreates = true\nfrom = [\"Placed\"]\n"),
        "/aggregates/Order/commands/PlaceOrder/from",
    );
    // Server-assigned integer ids are not supported.
    assert_rejected(
        &format!(
            "{CONTEXT}[aggregates.Order]\nid = {{ type = \"integer\", assigned = \"server\" }}\n"
        ),
        "/aggregates/Order/id",
    );
    // Filters and page sizes belong to list queries.
    assert_rejected(
        &format!(
            "{CONTEXT}[read_models.View]\nkey = \"id\"\nqueries.Get = {{ filters = [\"id\"] }}\n"
        ),
        "/read_models/View/queries/Get/filters",
    );
    // A lifecycle names its initial state.
    assert_rejected(
        &format!("{CONTEXT}[aggregates.Order.lifecycle]\nstates = [\"Placed\"]\n"),
        "/aggregates/Order/lifecycle",
    );
}
