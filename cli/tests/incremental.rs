//! Regenerating after a one-line change of the spec rewrites only the files that change: every
//! other file keeps its bytes, its modification time and its inode (the writer replaces a file
//! by renaming a new one into place, so an untouched file is the very same file), and the
//! files `seedwork generate` reports as updated are exactly those whose bytes changed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

/// Three aggregates, a value object, an enum, a read model with queries, a policy: every
/// project-wide file is rendered, so a change that touches one of them shows.
const SPEC: &str = r#"
[context]
name = "depot"
doc = "A small depot."

[enums.Priority]
variants = ["Normal", "High"]

[value_objects.Address]
fields.street = { type = "String", min_len = 1, max_len = 100 }
fields.zip = { type = "String", pattern = "^[0-9]{5}$", example = "12345" }

[aggregates.Parcel]
doc = "A parcel in the depot."
fields = { address = "Address", priority = "Priority", weight = "u32" }
lifecycle = { initial = "Received", states = ["Received", "Shipped"], terminal = ["Shipped"] }
events.ParcelReceived = { fields = { address = "Address", priority = "Priority", weight = "u32" } }
events.ParcelShipped = {}
commands.ReceiveParcel = { creates = true, emits = ["ParcelReceived"], fields = { address = "Address", priority = "Priority", weight = { type = "u32", min = 1, max = 30000 } } }
commands.ShipParcel = { from = ["Received"], to = "Shipped", emits = ["ParcelShipped"] }

[aggregates.Truck]
doc = "A truck that carries parcels."
id = "string"
fields = { plate = "String", capacity = "u32" }
events.TruckRegistered = { fields = { plate = "String", capacity = "u32" } }
events.TruckLoaded = { fields = { parcel_id = "ParcelId" } }
commands.RegisterTruck = { creates = true, emits = ["TruckRegistered"], fields = { plate = { type = "String", min_len = 2, max_len = 10 }, capacity = { type = "u32", min = 1 } } }
commands.LoadTruck = { emits = ["TruckLoaded"], fields = { parcel_id = "ParcelId" } }

[aggregates.Invoice]
doc = "What a shipment costs."
fields = { parcel_id = "ParcelId", amount = { type = "Decimal", required = false } }
events.InvoiceIssued = { fields = { parcel_id = "ParcelId", amount = { type = "Decimal", required = false } } }
commands.IssueInvoice = { creates = true, emits = ["InvoiceIssued"], fields = { parcel_id = "ParcelId", amount = { type = "Decimal", required = false, min = 0 } } }

[policies.InvoiceWhenParcelShipped]
on = "ParcelShipped"
send = "IssueInvoice"

[read_models.ParcelView]
key = "parcel_id"
fields = { parcel_id = "ParcelId", priority = "Priority", weight = "u32" }
updated_by = ["ParcelReceived"]
removed_by = ["ParcelShipped"]
queries.GetParcelView = { kind = "get" }
queries.ListParcelViews = { kind = "list", filters = ["priority"] }
"#;

fn seedwork(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seedwork"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the seedwork binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What identifies a file's contents and whether it was written: bytes, mtime, inode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    bytes: Vec<u8>,
    modified: SystemTime,
    #[cfg(unix)]
    inode: u64,
}

/// Every file under `root`, relative, `/`-separated.
fn stamps(root: &Path) -> BTreeMap<String, Stamp> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Stamp>) {
        for entry in fs::read_dir(dir).expect("readable directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
                continue;
            }
            let metadata = fs::metadata(&path).expect("metadata");
            let relative = path
                .strip_prefix(root)
                .expect("under root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.insert(
                relative,
                Stamp {
                    bytes: fs::read(&path).expect("readable"),
                    modified: metadata.modified().expect("mtime"),
                    #[cfg(unix)]
                    inode: std::os::unix::fs::MetadataExt::ino(&metadata),
                },
            );
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A new project from [`SPEC`] in a fresh temporary directory.
fn new_project() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("tempdir");
    fs::write(temp.path().join("spec.toml"), SPEC).expect("spec written");
    let out = seedwork(&["new", "project", "--spec", "spec.toml"], temp.path());
    assert!(out.status.success(), "seedwork new: {}", text(&out.stderr));
    let root = temp.path().join("project");
    (temp, root)
}

/// Edits the project's spec with `edit` (which must change it), regenerates, and returns the
/// files whose bytes changed (the spec itself and the manifest left out) after checking that
/// they are exactly the ones `seedwork generate` reported as updated, that nothing was
/// created or deleted, and that every other file is untouched: same bytes, mtime and inode.
fn regenerate_after(root: &Path, edit: impl Fn(&str) -> String) -> BTreeSet<String> {
    let spec = root.join("domain.toml");
    let original = fs::read_to_string(&spec).expect("spec");
    let edited = edit(&original);
    assert_ne!(edited, original, "the edit changes the spec");
    assert_eq!(
        edited.lines().count(),
        original.lines().count(),
        "a one-line change"
    );
    fs::write(&spec, edited).expect("spec edited");
    let before = stamps(root);

    let out = seedwork(&["generate"], root);
    assert!(
        out.status.success(),
        "seedwork generate: {}",
        text(&out.stderr)
    );
    let after = stamps(root);
    let report = text(&out.stderr);
    let reported: BTreeSet<String> = report
        .lines()
        .filter_map(|line| line.strip_prefix("updated "))
        .map(str::to_owned)
        .collect();
    assert!(
        !report.lines().any(|line| line.starts_with("created ")
            || line.starts_with("deleted ")
            || line.starts_with("removed ")),
        "{report}"
    );
    assert!(report.contains("wrote .seedwork/manifest.json"), "{report}");

    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "the same files"
    );
    let mut changed = BTreeSet::new();
    for (path, old) in &before {
        let new = &after[path];
        if path == ".seedwork/manifest.json" || path == "domain.toml" {
            continue;
        }
        if reported.contains(path) {
            assert_ne!(new.bytes, old.bytes, "{path} was reported updated");
            changed.insert(path.clone());
        } else {
            assert_eq!(new, old, "{path} was not reported, so it must be untouched");
        }
    }
    assert_eq!(
        changed, reported,
        "every reported file is a file of the project"
    );
    changed
}

#[test]
fn a_doc_string_of_one_aggregate_rewrites_only_its_files() {
    let (_temp, root) = new_project();
    let changed = regenerate_after(&root, |spec| {
        spec.replace(
            "doc = \"A truck that carries parcels.\"",
            "doc = \"A truck that carries parcels between depots.\"",
        )
    });
    assert!(
        changed.contains("src/generated/domain/truck.rs"),
        "{changed:?}"
    );
    for path in &changed {
        assert!(
            !path.contains("parcel") && !path.contains("invoice"),
            "{path}: the other aggregates' files stay as they are ({changed:?})"
        );
    }
    // The rules file is the user's and never rewritten.
    assert!(!changed.contains("src/rules/truck.rs"), "{changed:?}");
}

#[test]
fn a_field_added_to_one_command_rewrites_only_what_mentions_it() {
    let (_temp, root) = new_project();
    let changed = regenerate_after(&root, |spec| {
        spec.replace(
            "commands.LoadTruck = { emits = [\"TruckLoaded\"], fields = { parcel_id = \"ParcelId\" } }",
            "commands.LoadTruck = { emits = [\"TruckLoaded\"], fields = { parcel_id = \"ParcelId\", note = { type = \"String\", required = false, max_len = 200 } } }",
        )
    });
    assert!(
        changed.contains("src/generated/domain/truck.rs")
            && changed.contains("src/generated/api/truck.rs"),
        "{changed:?}"
    );
    for path in &changed {
        assert!(
            !path.contains("parcel") && !path.contains("invoice"),
            "{path}: the other aggregates' files stay as they are ({changed:?})"
        );
    }
    assert!(!changed.contains("src/rules/truck.rs"), "{changed:?}");
}

#[test]
fn regenerating_an_unchanged_spec_touches_nothing() {
    let (_temp, root) = new_project();
    let before = stamps(&root);
    let out = seedwork(&["generate"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stamps(&root), before, "same bytes, mtimes and inodes");
    let out = seedwork(&["check"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
