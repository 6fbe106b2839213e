//! Issue 15 items 6 and 7: only regular files are read unless named, opening never
//! blocks, special and unreadable files get records, names are kept as bytes.

use super::bounds_common::{arg, mkfifo, run_bounded, scratch};
use apkaudit::testkit::demo_apk;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

#[test]
fn fifo_without_writer_named_as_scan_input_does_not_block() {
    let dir = scratch("fifo-scan");
    let f = dir.join("app.apk");
    mkfifo(&f);
    let run = run_bounded(&["scan".as_ref(), arg(&f)], Duration::from_secs(10));
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("app.apk"), "{}", run.stderr);
    let run = run_bounded(
        &["audit".as_ref(), arg(&f), "--policy".as_ref(), arg(&f)],
        Duration::from_secs(10),
    );
    assert!(run.stderr.contains("app.apk"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fifo_inside_a_batch_directory_gets_a_record_and_never_hangs() {
    let dir = scratch("fifo-batch");
    std::fs::write(dir.join("a.apk"), demo_apk().unwrap()).unwrap();
    mkfifo(&dir.join("named.apk"));
    mkfifo(&dir.join("plain"));
    std::fs::create_dir(dir.join("sub")).unwrap();
    mkfifo(&dir.join("sub").join("x"));
    let run = run_bounded(
        &[
            "scan".as_ref(),
            arg(&dir),
            "--no-progress".as_ref(),
            "--sorted".as_ref(),
        ],
        Duration::from_secs(20),
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    for name in ["named.apk", "plain", "sub/x"] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(name) && l.contains("FIFO: not a regular file")),
            "{name}: {}",
            run.stdout
        );
    }
    assert!(lines
        .iter()
        .any(|l| l.contains("a.apk") && l.contains("\"error\":null")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn char_device_named_as_policy_and_as_apk_stops_at_the_cap() {
    let zero = std::path::Path::new("/dev/zero");
    if !zero.exists() {
        eprintln!("skipping: no /dev/zero");
        return;
    }
    let dir = scratch("chardev");
    let apk = dir.join("a.apk");
    std::fs::write(&apk, demo_apk().unwrap()).unwrap();
    for args in [
        vec!["policy".as_ref(), arg(zero)],
        vec!["audit".as_ref(), arg(&apk), "--policy".as_ref(), arg(zero)],
        vec![
            "scan".as_ref(),
            arg(zero),
            "--max-memory".as_ref(),
            "64M".as_ref(),
        ],
        vec![
            "manifest".as_ref(),
            arg(zero),
            "--max-memory".as_ref(),
            "64M".as_ref(),
        ],
    ] {
        let run = run_bounded(&args, Duration::from_secs(10));
        assert_ne!(run.code, Some(0), "{args:?}");
        assert!(
            run.stderr.contains("/dev/zero") && run.stderr.contains("character device"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.max_rss < 512 << 20,
            "{args:?}: {} MiB",
            run.max_rss >> 20
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn names_differing_only_in_invalid_utf8_give_distinct_records() {
    let dir = scratch("utf8");
    let apk = demo_apk().unwrap();
    for b in [0xffu8, 0xfe] {
        let mut name = b"app".to_vec();
        name.push(b);
        name.extend(b".apk");
        std::fs::write(dir.join(std::ffi::OsStr::from_bytes(&name)), &apk).unwrap();
    }
    let run = run_bounded(
        &[
            "scan".as_ref(),
            arg(&dir),
            "--no-progress".as_ref(),
            "--sorted".as_ref(),
        ],
        Duration::from_secs(20),
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].contains(r#""file_raw":"#), "{}", lines[0]);
    assert!(
        run.stdout.contains(r"app\\xfe.apk") && run.stdout.contains(r"app\\xff.apk"),
        "{}",
        run.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreadable_file_in_a_batch_gets_a_record_with_its_path() {
    let dir = scratch("unreadable");
    let f = dir.join("notes.bin");
    std::fs::write(&f, b"PK\x03\x04").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&f).is_ok() {
        eprintln!("skipping: running as root, permissions do not apply");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let run = run_bounded(
        &["scan".as_ref(), arg(&dir), "--no-progress".as_ref()],
        Duration::from_secs(20),
    );
    assert!(
        run.stdout.contains("notes.bin") && run.stdout.contains("cannot read"),
        "{}",
        run.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn batch_output_that_cannot_be_written_is_named() {
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipping: no /dev/full");
        return;
    }
    let dir = scratch("outfull");
    std::fs::write(dir.join("a.apk"), demo_apk().unwrap()).unwrap();
    let run = run_bounded(
        &[
            "scan".as_ref(),
            arg(&dir),
            "--no-progress".as_ref(),
            "-o".as_ref(),
            arg(full),
        ],
        Duration::from_secs(20),
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("/dev/full: cannot write output"),
        "{}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}
