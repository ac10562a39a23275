//! The writer: plan, apply all or nothing, manifest, drift.

// The helpers below are test code too; `allow-unwrap-in-tests` only covers `#[test]` functions.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use seedwork_cli::files::{FileSet, Ownership};
use seedwork_cli::write::{
    apply, drift, plan, Action, ApplyOptions, Conflict, DriftKind, Manifest, PlanOptions,
    WriteError, GENERATOR, MANIFEST_PATH,
};

/// Every path under `root` (relative, `/`-separated) with its bytes, `None` for a directory.
type Snapshot = BTreeMap<String, Option<Vec<u8>>>;

fn snapshot(root: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, into: &mut Snapshot) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if path.is_dir() {
                into.insert(relative, None);
                walk(root, &path, into);
            } else {
                into.insert(relative, Some(fs::read(&path).unwrap()));
            }
        }
    }
    let mut snapshot = Snapshot::new();
    walk(root, root, &mut snapshot);
    snapshot
}

fn mtimes(root: &Path) -> BTreeMap<String, SystemTime> {
    snapshot(root)
        .into_iter()
        .filter(|(_, bytes)| bytes.is_some())
        .map(|(path, _)| {
            let modified = fs::metadata(root.join(&path)).unwrap().modified().unwrap();
            (path, modified)
        })
        .collect()
}

fn files(entries: &[(&str, Ownership, &str)]) -> FileSet {
    let mut files = FileSet::default();
    for (path, ownership, contents) in entries {
        files.insert(*path, *ownership, *contents);
    }
    files
}

use Ownership::{Generated as G, User as U};

fn order_service() -> FileSet {
    files(&[
        ("Cargo.toml", G, "[package]\nname = \"orders\"\n"),
        (
            "src/generated/mod.rs",
            G,
            "pub mod order;\npub mod customer;\n",
        ),
        ("src/generated/order.rs", G, "pub struct Order;\n"),
        ("src/generated/customer.rs", G, "pub struct Customer;\n"),
        ("src/rules/order.rs", U, "// your rules for Order\n"),
        ("src/main.rs", U, "fn main() {}\n"),
    ])
}

fn generate(root: &Path, files: &FileSet) {
    let plan = plan(root, files, &PlanOptions::default()).unwrap();
    apply(root, &plan, &ApplyOptions::default()).unwrap();
}

fn forced() -> PlanOptions {
    PlanOptions { force: true }
}

fn action(plan: &seedwork_cli::write::Plan, path: &str) -> Action {
    plan.files()
        .iter()
        .find(|file| file.path() == path)
        .unwrap_or_else(|| panic!("{path} is not in the plan"))
        .action()
}

/// Waits long enough that a rewrite would get a different modification time.
fn tick() {
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn fresh_write_creates_everything_and_the_manifest() {
    let root = tempfile::tempdir().unwrap();
    let files = order_service();
    let plan = plan(root.path(), &files, &PlanOptions::default()).unwrap();
    assert!(plan
        .files()
        .iter()
        .all(|file| file.action() == Action::Create));
    assert_eq!(plan.manifest_action(), Action::Create);
    let report = apply(root.path(), &plan, &ApplyOptions::default()).unwrap();
    assert_eq!(report.created.len(), 6);
    assert!(report.manifest_written && report.warnings.is_empty());

    let tree = snapshot(root.path());
    for (path, file) in files.iter() {
        assert_eq!(
            tree[path].as_deref(),
            Some(file.contents.as_bytes()),
            "{path}"
        );
    }
    // Nothing else: no temporary files or backups left behind.
    let file_count = tree.values().filter(|bytes| bytes.is_some()).count();
    assert_eq!(file_count, 7);

    let manifest = Manifest::load(root.path()).unwrap();
    assert_eq!(manifest.generator(), GENERATOR);
    assert_eq!(manifest.len(), 4, "only generated files are recorded");
    assert!(manifest.hash("src/main.rs").is_none());
    let text = fs::read_to_string(root.path().join(MANIFEST_PATH)).unwrap();
    assert!(text.ends_with("}\n"));
    assert!(
        !text.contains(&*root.path().to_string_lossy()),
        "no absolute paths"
    );
    assert_eq!(text.as_bytes(), Manifest::for_files(&files).render());
}

#[test]
fn second_run_with_the_same_files_touches_nothing() {
    let root = tempfile::tempdir().unwrap();
    let files = order_service();
    generate(root.path(), &files);
    let before = snapshot(root.path());
    let mtimes_before = mtimes(root.path());
    tick();

    let again = plan(root.path(), &files, &PlanOptions::default()).unwrap();
    assert!(again.is_noop(), "{again}");
    assert_eq!(again.manifest_action(), Action::Unchanged);
    assert_eq!(action(&again, "src/generated/order.rs"), Action::Unchanged);
    assert_eq!(action(&again, "src/main.rs"), Action::Keep);
    assert_eq!(
        again.to_string(),
        "nothing to do: 4 generated files up to date, 2 user files kept"
    );
    let report = apply(root.path(), &again, &ApplyOptions::default()).unwrap();
    assert_eq!(report, Default::default());
    assert_eq!(snapshot(root.path()), before);
    assert_eq!(mtimes(root.path()), mtimes_before);
}

#[test]
fn an_update_rewrites_only_what_changed() {
    let root = tempfile::tempdir().unwrap();
    generate(root.path(), &order_service());
    let mtimes_before = mtimes(root.path());
    tick();

    let mut files = order_service();
    files.insert(
        "src/generated/order.rs",
        G,
        "pub struct Order { id: u64 }\n",
    );
    let plan = plan(root.path(), &files, &PlanOptions::default()).unwrap();
    assert_eq!(
        plan.to_string(),
        "update src/generated/order.rs\nupdate .seedwork/manifest.json\n\
         1 to update, 3 unchanged, 2 user files kept"
    );
    let report = apply(root.path(), &plan, &ApplyOptions::default()).unwrap();
    assert_eq!(report.updated, ["src/generated/order.rs"]);

    let mtimes_after = mtimes(root.path());
    for (path, modified) in &mtimes_after {
        let rewritten = path == "src/generated/order.rs" || path == MANIFEST_PATH;
        assert_eq!(*modified != mtimes_before[path], rewritten, "{path}");
    }
    assert_eq!(
        fs::read_to_string(root.path().join("src/generated/order.rs")).unwrap(),
        "pub struct Order { id: u64 }\n"
    );
    assert!(plan_again(root.path(), &files).is_noop());
}

fn plan_again(root: &Path, files: &FileSet) -> seedwork_cli::write::Plan {
    plan(root, files, &PlanOptions::default()).unwrap()
}

#[test]
fn user_files_are_created_once_and_then_kept() {
    let root = tempfile::tempdir().unwrap();
    generate(root.path(), &order_service());
    fs::write(root.path().join("src/main.rs"), "fn main() { serve() }\n").unwrap();
    fs::remove_file(root.path().join("src/rules/order.rs")).unwrap();

    let mut files = order_service();
    files.insert("src/main.rs", U, "fn main() { /* a newer template */ }\n");
    let plan = plan(root.path(), &files, &PlanOptions::default()).unwrap();
    assert_eq!(action(&plan, "src/main.rs"), Action::Keep);
    assert_eq!(action(&plan, "src/rules/order.rs"), Action::Create);
    apply(root.path(), &plan, &ApplyOptions::default()).unwrap();

    assert_eq!(
        fs::read_to_string(root.path().join("src/main.rs")).unwrap(),
        "fn main() { serve() }\n"
    );
    assert_eq!(
        fs::read_to_string(root.path().join("src/rules/order.rs")).unwrap(),
        "// your rules for Order\n"
    );
}

#[test]
fn a_hand_edited_generated_file_is_refused_unless_forced() {
    let root = tempfile::tempdir().unwrap();
    generate(root.path(), &order_service());
    let edited = root.path().join("src/generated/order.rs");
    fs::write(&edited, "pub struct Order; // my fix\n").unwrap();

    let mut files = order_service();
    files.insert(
        "src/generated/order.rs",
        G,
        "pub struct Order { id: u64 }\n",
    );
    let refused = plan(root.path(), &files, &PlanOptions::default()).unwrap();
    assert_eq!(
        action(&refused, "src/generated/order.rs"),
        Action::Conflict(Conflict::EditedByHand)
    );
    assert!(refused.to_string().contains(
        "conflict src/generated/order.rs (edited by hand since it was generated; \
         use --force to overwrite)"
    ));
    let before = snapshot(root.path());
    let error = apply(root.path(), &refused, &ApplyOptions::default()).unwrap_err();
    let WriteError::Conflicts(conflicts) = &error else {
        panic!("expected conflicts, got {error}")
    };
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].path, "src/generated/order.rs");
    assert!(error.to_string().contains("--force"), "{error}");
    assert_eq!(
        snapshot(root.path()),
        before,
        "a refused apply changes nothing"
    );

    let forced_plan = plan(root.path(), &files, &forced()).unwrap();
    assert!(forced_plan
        .to_string()
        .contains("overwrite src/generated/order.rs (edited by hand"));
    let report = apply(root.path(), &forced_plan, &ApplyOptions::default()).unwrap();
    assert_eq!(report.updated, ["src/generated/order.rs"]);
    assert_eq!(
        fs::read_to_string(&edited).unwrap(),
        "pub struct Order { id: u64 }\n"
    );
    assert!(plan_again(root.path(), &files).is_noop());
}

#[test]
fn an_unrecorded_file_on_a_generated_path_is_a_conflict() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("src/generated")).unwrap();
    fs::write(root.path().join("src/generated/order.rs"), "// mine\n").unwrap();
    let plan = plan(root.path(), &order_service(), &PlanOptions::default()).unwrap();
    assert_eq!(
        action(&plan, "src/generated/order.rs"),
        Action::Conflict(Conflict::NotGenerated)
    );
    assert!(matches!(
        apply(root.path(), &plan, &ApplyOptions::default()),
        Err(WriteError::Conflicts(_))
    ));
}

#[test]
fn an_identical_unrecorded_file_is_simply_adopted() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("src/generated")).unwrap();
    fs::write(
        root.path().join("src/generated/order.rs"),
        "pub struct Order;\n",
    )
    .unwrap();
    let plan = plan(root.path(), &order_service(), &PlanOptions::default()).unwrap();
    assert_eq!(action(&plan, "src/generated/order.rs"), Action::Unchanged);
}

#[test]
fn stale_generated_files_are_deleted_with_their_empty_directories() {
    let root = tempfile::tempdir().unwrap();
    let mut files = order_service();
    files.insert(
        "src/generated/billing/invoice.rs",
        G,
        "pub struct Invoice;\n",
    );
    files.insert("src/generated/billing/tax/vat.rs", G, "pub struct Vat;\n");
    generate(root.path(), &files);

    let plan = plan(root.path(), &order_service(), &PlanOptions::default()).unwrap();
    assert_eq!(
        action(&plan, "src/generated/billing/invoice.rs"),
        Action::Delete
    );
    assert_eq!(
        action(&plan, "src/generated/billing/tax/vat.rs"),
        Action::Delete
    );
    assert!(plan
        .to_string()
        .contains("delete src/generated/billing/invoice.rs\n"));
    let report = apply(root.path(), &plan, &ApplyOptions::default()).unwrap();
    assert_eq!(report.deleted.len(), 2);
    assert_eq!(
        report.removed_dirs,
        ["src/generated/billing/tax", "src/generated/billing"]
    );

    assert!(!root.path().join("src/generated/billing").exists());
    assert!(root.path().join("src/generated/order.rs").exists());
    let manifest = Manifest::load(root.path()).unwrap();
    assert!(manifest.hash("src/generated/billing/invoice.rs").is_none());
    assert_eq!(manifest, Manifest::for_files(&order_service()));
}

#[test]
fn a_directory_with_other_files_is_kept_after_a_deletion() {
    let root = tempfile::tempdir().unwrap();
    let mut files = order_service();
    files.insert(
        "src/generated/billing/invoice.rs",
        G,
        "pub struct Invoice;\n",
    );
    generate(root.path(), &files);
    fs::write(root.path().join("src/generated/billing/notes.txt"), "mine").unwrap();

    let report = {
        let plan = plan(root.path(), &order_service(), &PlanOptions::default()).unwrap();
        apply(root.path(), &plan, &ApplyOptions::default()).unwrap()
    };
    assert!(report.removed_dirs.is_empty());
    assert!(root.path().join("src/generated/billing/notes.txt").exists());
}

#[test]
fn a_hand_edited_stale_file_is_only_deleted_when_forced() {
    let root = tempfile::tempdir().unwrap();
    let mut files = order_service();
    files.insert("src/generated/billing.rs", G, "pub struct Invoice;\n");
    generate(root.path(), &files);
    fs::write(root.path().join("src/generated/billing.rs"), "// kept\n").unwrap();

    let refused = plan(root.path(), &order_service(), &PlanOptions::default()).unwrap();
    assert_eq!(
        action(&refused, "src/generated/billing.rs"),
        Action::Conflict(Conflict::StaleEditedByHand)
    );
    assert!(refused.to_string().contains("use --force to delete"));
    let before = snapshot(root.path());
    assert!(apply(root.path(), &refused, &ApplyOptions::default()).is_err());
    assert_eq!(snapshot(root.path()), before);

    let forced_plan = plan(root.path(), &order_service(), &forced()).unwrap();
    let report = apply(root.path(), &forced_plan, &ApplyOptions::default()).unwrap();
    assert_eq!(report.deleted, ["src/generated/billing.rs"]);
    assert!(!root.path().join("src/generated/billing.rs").exists());
}

#[test]
fn a_file_that_turns_into_a_user_file_is_kept_and_leaves_the_manifest() {
    let root = tempfile::tempdir().unwrap();
    generate(root.path(), &order_service());
    let mut files = order_service();
    files.insert("src/generated/order.rs", U, "pub struct Order;\n");
    let plan = plan(root.path(), &files, &PlanOptions::default()).unwrap();
    assert_eq!(action(&plan, "src/generated/order.rs"), Action::Keep);
    apply(root.path(), &plan, &ApplyOptions::default()).unwrap();
    assert!(root.path().join("src/generated/order.rs").exists());
    let manifest = Manifest::load(root.path()).unwrap();
    assert!(manifest.hash("src/generated/order.rs").is_none());
}

#[test]
fn planning_alone_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let mut old = order_service();
    old.insert(
        "src/generated/billing/invoice.rs",
        G,
        "pub struct Invoice;\n",
    );
    generate(root.path(), &old);
    fs::write(root.path().join("src/generated/customer.rs"), "// edited\n").unwrap();
    let before = snapshot(root.path());
    let mtimes_before = mtimes(root.path());

    let mut new = order_service();
    new.insert(
        "src/generated/order.rs",
        G,
        "pub struct Order { id: u64 }\n",
    );
    new.insert("src/generated/payment.rs", G, "pub struct Payment;\n");
    for options in [PlanOptions::default(), forced()] {
        let plan = plan(root.path(), &new, &options).unwrap();
        assert!(!plan.is_noop());
    }
    // Also on a directory that does not exist yet.
    let missing = root.path().join("not-yet");
    plan(&missing, &new, &PlanOptions::default()).unwrap();

    assert_eq!(snapshot(root.path()), before);
    assert_eq!(mtimes(root.path()), mtimes_before);
}

/// Plans `new` over the tree under `root`, then applies the plan again and again with the n-th
/// filesystem mutation failing, for n = 0, 1, 2, … until a run succeeds. Every failing run must
/// leave the tree exactly as it was. Returns the number of mutations of a full run.
fn assert_rolls_back_at_every_step(root: &Path, new: &FileSet, options: PlanOptions) -> usize {
    let before = snapshot(root);
    let plan = plan(root, new, &options).unwrap();
    for n in 0.. {
        reset(root, &before);
        let options = ApplyOptions {
            fail_after: Some(n),
        };
        match apply(root, &plan, &options) {
            Err(error) => {
                let message = error.to_string();
                assert!(
                    matches!(error, WriteError::Io { .. }),
                    "mutation {n}: {message}"
                );
                assert!(message.contains("injected failure"), "{message}");
                assert!(
                    message.contains(&*root.to_string_lossy()),
                    "names the path: {message}"
                );
                assert_eq!(
                    snapshot(root),
                    before,
                    "failing mutation {n} must roll back"
                );
            }
            Ok(report) => {
                // A failure in the clean-up after the new tree is complete only leaves a
                // backup or an empty directory behind, reported as a warning.
                if let Some(warning) = report.warnings.first() {
                    assert_eq!(report.warnings.len(), 1, "{report}");
                    assert!(warning.contains("injected failure"), "{report}");
                }
                let tree = snapshot(root);
                for (path, file) in new.iter() {
                    if file.ownership == Ownership::Generated {
                        assert_eq!(
                            tree[path].as_deref(),
                            Some(file.contents.as_bytes()),
                            "{path}"
                        );
                    }
                }
                if report.warnings.is_empty() {
                    assert!(plan_again(root, new).is_noop());
                    return n;
                }
            }
        }
    }
    unreachable!("some run succeeds")
}

/// Makes the tree under `root` exactly `snapshot`.
fn reset(root: &Path, snapshot: &Snapshot) {
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fs::remove_dir_all(path).unwrap();
        } else {
            fs::remove_file(path).unwrap();
        }
    }
    for (path, bytes) in snapshot {
        match bytes {
            None => fs::create_dir_all(root.join(path)).unwrap(),
            Some(bytes) => {
                fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
                fs::write(root.join(path), bytes).unwrap();
            }
        }
    }
    assert_eq!(&self::snapshot(root), snapshot);
}

#[test]
fn a_failure_at_any_step_of_a_fresh_write_leaves_nothing_behind() {
    let root = tempfile::tempdir().unwrap();
    let mutations =
        assert_rolls_back_at_every_step(root.path(), &order_service(), PlanOptions::default());
    // 4 directories, 7 temporary files, 7 renames.
    assert_eq!(mutations, 18);
    assert!(snapshot(root.path()).contains_key(MANIFEST_PATH));
}

#[test]
fn a_failure_at_any_step_of_mixed_creates_updates_and_deletes_rolls_back() {
    let root = tempfile::tempdir().unwrap();
    let mut old = order_service();
    old.insert(
        "src/generated/billing/invoice.rs",
        G,
        "pub struct Invoice;\n",
    );
    old.insert("src/generated/billing/tax/vat.rs", G, "pub struct Vat;\n");
    old.insert("src/generated/legacy.rs", G, "pub struct Legacy;\n");

    let mut new = order_service();
    new.insert(
        "src/generated/order.rs",
        G,
        "pub struct Order { id: u64 }\n",
    );
    new.insert("src/generated/payment/mod.rs", G, "pub struct Payment;\n");
    new.insert("src/rules/payment.rs", U, "// your rules for Payment\n");
    new.insert("README.md", U, "# Orders\n");

    // One of the deleted files was edited by hand and is deleted with --force; one of the
    // updated files was too.
    generate(root.path(), &old);
    fs::write(root.path().join("src/generated/legacy.rs"), "// edited\n").unwrap();
    fs::write(root.path().join("src/generated/customer.rs"), "// edited\n").unwrap();
    new.insert(
        "src/generated/customer.rs",
        G,
        "pub struct Customer { id: u64 }\n",
    );

    let plan = plan(root.path(), &new, &forced()).unwrap();
    let kinds: Vec<Action> = plan.files().iter().map(|file| file.action()).collect();
    for wanted in [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Unchanged,
        Action::Keep,
    ] {
        assert!(kinds.contains(&wanted), "{wanted:?} in {plan}");
    }
    assert!(kinds.contains(&Action::Conflict(Conflict::EditedByHand)));
    assert!(kinds.contains(&Action::Conflict(Conflict::StaleEditedByHand)));

    let mutations = assert_rolls_back_at_every_step(root.path(), &new, forced());
    assert!(mutations > 15, "{mutations}");
    assert!(!root.path().join("src/generated/billing").exists());
    assert!(!root.path().join("src/generated/legacy.rs").exists());
    assert_eq!(
        snapshot(root.path())["src/main.rs"].as_deref(),
        Some(&b"fn main() {}\n"[..])
    );
    assert!(plan_again(root.path(), &new).is_noop());
}

#[test]
fn a_failure_at_any_step_of_an_update_rolls_back() {
    let root = tempfile::tempdir().unwrap();
    generate(root.path(), &order_service());
    let mut new = order_service();
    new.insert(
        "src/generated/order.rs",
        G,
        "pub struct Order { id: u64 }\n",
    );
    new.insert("src/generated/refund.rs", G, "pub struct Refund;\n");
    let mutations = assert_rolls_back_at_every_step(root.path(), &new, PlanOptions::default());
    // refund.rs: temporary file + rename; order.rs and the manifest: temporary file, move the
    // old file aside, rename; then remove the 2 backups.
    assert_eq!(mutations, 8 + 2);
}

#[test]
fn the_root_itself_is_created_and_removed_on_failure() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("orders");
    let plan = plan(&root, &order_service(), &PlanOptions::default()).unwrap();
    let error = apply(
        &root,
        &plan,
        &ApplyOptions {
            fail_after: Some(5),
        },
    )
    .unwrap_err();
    assert!(matches!(error, WriteError::Io { .. }));
    assert!(!root.exists());
    apply(&root, &plan, &ApplyOptions::default()).unwrap();
    assert!(root.join("src/generated/order.rs").exists());
}

#[test]
fn drift_is_clean_after_generating() {
    let root = tempfile::tempdir().unwrap();
    let files = order_service();
    generate(root.path(), &files);
    // A user file that was edited or deleted is not drift.
    fs::write(root.path().join("src/main.rs"), "fn main() { serve() }\n").unwrap();
    fs::remove_file(root.path().join("src/rules/order.rs")).unwrap();
    let report = drift(root.path(), &files).unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.to_string(), "all 4 generated files match the spec");
}

#[test]
fn drift_reports_changed_missing_and_stale_files_with_diffs() {
    let root = tempfile::tempdir().unwrap();
    let mut old = order_service();
    old.insert("src/generated/legacy.rs", G, "pub struct Legacy;\n");
    generate(root.path(), &old);
    let order = root.path().join("src/generated/order.rs");
    fs::write(&order, "pub struct Order;\n// hand edit\n").unwrap();
    fs::remove_file(root.path().join("src/generated/customer.rs")).unwrap();

    let report = drift(root.path(), &order_service()).unwrap();
    assert!(!report.is_clean());
    let listed: Vec<(&str, DriftKind)> = report
        .files
        .iter()
        .map(|drift| (drift.path.as_str(), drift.kind))
        .collect();
    assert_eq!(
        listed,
        [
            ("src/generated/customer.rs", DriftKind::Missing),
            ("src/generated/legacy.rs", DriftKind::Stale),
            ("src/generated/order.rs", DriftKind::Changed),
        ]
    );
    assert!(report.manifest_out_of_date, "it still lists legacy.rs");
    assert_eq!(
        report.to_string(),
        "--- /dev/null\n\
         +++ b/src/generated/customer.rs\n\
         @@ -0,0 +1 @@\n\
         +pub struct Customer;\n\
         --- a/src/generated/legacy.rs\n\
         +++ /dev/null\n\
         @@ -1 +0,0 @@\n\
         -pub struct Legacy;\n\
         --- a/src/generated/order.rs\n\
         +++ b/src/generated/order.rs\n\
         @@ -1,2 +1 @@\n \
         pub struct Order;\n\
         -// hand edit\n\
         3 generated files differ from the spec: 1 changed, 1 missing, 1 stale; \
         the manifest .seedwork/manifest.json is out of date"
    );

    // Generating fixes all of it (the hand edit needs --force).
    let plan = plan(root.path(), &order_service(), &forced()).unwrap();
    apply(root.path(), &plan, &ApplyOptions::default()).unwrap();
    assert!(drift(root.path(), &order_service()).unwrap().is_clean());
}

#[test]
fn drift_uses_three_lines_of_context() {
    let root = tempfile::tempdir().unwrap();
    let long: String = (1..=20).map(|n| format!("line {n}\n")).collect();
    let files = files(&[("gen.rs", G, &long)]);
    generate(root.path(), &files);
    fs::write(
        root.path().join("gen.rs"),
        long.replace("line 10\n", "line ten\n"),
    )
    .unwrap();
    let report = drift(root.path(), &files).unwrap();
    assert_eq!(report.files.len(), 1);
    let diff = &report.files[0].diff;
    assert!(
        diff.contains("@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line ten\n+line 10\n"),
        "{diff}"
    );
    assert!(!report.manifest_out_of_date);
    assert!(report
        .to_string()
        .ends_with("1 generated file differs from the spec: 1 changed"));
}

#[test]
fn paths_that_escape_the_root_are_refused() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("project");
    fs::create_dir(&root).unwrap();
    for bad in [
        "../outside.rs",
        "src/../../outside.rs",
        "/etc/passwd",
        "src//double.rs",
        "src/./dot.rs",
        "src/",
        "",
        "src\\windows.rs",
        "C:/windows.rs",
        ".seedwork/manifest.json",
        ".seedwork/other",
    ] {
        for ownership in [G, U] {
            let files = files(&[("ok.rs", G, "ok"), (bad, ownership, "evil")]);
            let error = plan(&root, &files, &PlanOptions::default()).unwrap_err();
            assert!(
                matches!(&error, WriteError::InvalidPath { path, .. } if path == bad),
                "{bad}: {error}"
            );
            assert!(error.to_string().contains(&format!("`{bad}`")), "{error}");
            assert!(drift(&root, &files).is_err(), "{bad}");
        }
    }
    assert!(snapshot(parent.path()).keys().eq(["project"]));
}

#[test]
fn a_manifest_that_lists_an_escaping_path_is_corrupt() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join(".seedwork")).unwrap();
    fs::write(
        root.path().join(MANIFEST_PATH),
        r#"{"files": {"../victim.rs": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, "generator": "seedwork 0.1.0"}"#,
    )
    .unwrap();
    let error = plan(root.path(), &order_service(), &PlanOptions::default()).unwrap_err();
    assert!(
        matches!(error, WriteError::CorruptManifest { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("manifest.json") && message.contains("../victim.rs"),
        "{message}"
    );
}

#[test]
fn a_corrupt_manifest_is_an_error_naming_the_file() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join(".seedwork")).unwrap();
    fs::write(root.path().join(MANIFEST_PATH), "{ not json").unwrap();
    let error = Manifest::load(root.path()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&*root.path().join(MANIFEST_PATH).to_string_lossy()),
        "{error}"
    );
    assert!(plan(root.path(), &order_service(), &PlanOptions::default()).is_err());
    assert!(drift(root.path(), &order_service()).is_err());
}

#[test]
fn a_missing_manifest_is_empty() {
    let root = tempfile::tempdir().unwrap();
    let manifest = Manifest::load(root.path()).unwrap();
    assert!(manifest.is_empty());
}

#[cfg(unix)]
#[test]
fn an_update_keeps_the_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let files = files(&[("run.sh", G, "#!/bin/sh\n")]);
    generate(root.path(), &files);
    let script = root.path().join("run.sh");
    // New files get the usual permissions (not the 0600 of a temporary file).
    let usual = root.path().join("usual");
    fs::write(&usual, "").unwrap();
    assert_eq!(
        fs::metadata(&script).unwrap().permissions().mode(),
        fs::metadata(&usual).unwrap().permissions().mode()
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();

    let files2 = self::files(&[("run.sh", G, "#!/bin/sh\necho hi\n")]);
    generate(root.path(), &files2);
    assert_eq!(
        fs::metadata(&script).unwrap().permissions().mode() & 0o777,
        0o755
    );
}
