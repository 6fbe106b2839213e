//! APK container.
