//! Regenerate `samples/` from the project's fixture builders:
//! `cargo run --example make_samples --features testkit`.
fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("demo.apk"), apkaudit::testkit::demo_apk()?)?;
    println!("wrote {}", dir.join("demo.apk").display());
    Ok(())
}
