#!/usr/bin/env bash
# Builds the obfuscated test set: one tiny host app per real SDK artefact, shrunk and
# renamed by ProGuard, dexed by dx, packaged by aapt, aligned and signed; beside each APK
# its ProGuard mapping, an unobfuscated twin and truth.json. See README.md beside this file.
#
# Usage: tools/obfuscated/build.sh [OUT_DIR] [--only id,id]
#   OUT_DIR                 default: <repo>/target/obfuscated-set (git-ignored)
#   APKAUDIT_SDK_CORPUS     folder of the corpus SDK artefacts (default <repo>/../shared/corpus/sdk);
#                           apps whose corpus file is absent are skipped
#   SOURCE_DATE_EPOCH       ZIP entry time (default 1262304000, 2010-01-01 UTC)
# Exit codes: 0 built, 3 a tool is missing and could not be installed (not root), other = failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out=""
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only="$2"; shift 2 ;;
        --only=*) only="${1#--only=}"; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) out="$1"; shift ;;
    esac
done
out="${out:-$repo/target/obfuscated-set}"
corpus="${APKAUDIT_SDK_CORPUS:-$repo/../shared/corpus/sdk}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1262304000}"
export TZ=UTC LC_ALL=C.UTF-8

# ── tools from the current Debian release ──────────────────────────────────────────
# command -> Debian package
declare -A need=(
    [java]=default-jdk-headless [javac]=default-jdk-headless [javap]=default-jdk-headless
    [proguard]=proguard-cli [aapt]=aapt [zipalign]=zipalign [apksigner]=apksigner
    [dexdump]=dexdump [npm]=npm [python3]=python3 [curl]=curl [dpkg-deb]=dpkg
)
missing_cmds=()
for c in $(printf '%s\n' "${!need[@]}" | sort); do
    command -v "$c" >/dev/null 2>&1 || missing_cmds+=("$c")
done
if [ ${#missing_cmds[@]} -gt 0 ]; then
    pkgs=$(for c in "${missing_cmds[@]}"; do echo "${need[$c]}"; done | sort -u | tr '\n' ' ')
    if [ "$(id -u)" = 0 ]; then
        echo "installing: $pkgs" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
    else
        echo "missing commands: ${missing_cmds[*]}" >&2
        echo "install them (as root): apt-get install $pkgs" >&2
        exit 3
    fi
fi
python3 -c 'import tomllib' 2>/dev/null || { echo "python3 >= 3.11 needed (tomllib)" >&2; exit 3; }

# ── dx and android.jar from the previous Debian release (bullseye), pinned ─────────
# Not installed system-wide: unpacked with dpkg-deb -x into $out/tools/root.
pool="http://deb.debian.org/debian/pool/main"
debs=(
    "a/android-platform-dalvik/dalvik-exchange_10.0.0+r36-1_all.deb 8fc128db7c27253d963eb9b33de79b197162a4749d2ba69019b2fd0664cbd7fe"
    "a/android-framework-23/libandroid-23-java_6.0.1+r72-6_all.deb 8af1b6df556971dda0a6da3536ea526a838e0c363afcdd454213d8bce94793e3"
)
mkdir -p "$out/tools/debs" "$out/tools/root"
for entry in "${debs[@]}"; do
    rel="${entry% *}"; sum="${entry#* }"; f="$out/tools/debs/$(basename "$rel")"
    if [ ! -f "$f" ] || ! echo "$sum  $f" | sha256sum -c --quiet - 2>/dev/null; then
        echo "fetching $(basename "$rel")" >&2
        curl -fsSL --retry 3 -o "$f.part" "$pool/$rel"
        mv "$f.part" "$f"
    fi
    echo "$sum  $f" | sha256sum -c --quiet - || { echo "sha256 mismatch: $f" >&2; exit 1; }
    dpkg-deb -x "$f" "$out/tools/root"
done
android_jar="$out/tools/root/usr/share/java/com.android.android-23.jar"
dx_jar="$out/tools/root/usr/share/java/com.android.dx-10.0.0.jar"

if [ ! -d "$corpus" ]; then
    echo "note: corpus folder $corpus not found; the corpus apps are skipped" >&2
fi

start=$(date +%s)
python3 "$here/obf.py" --repo "$repo" --out "$out" --corpus "$corpus" \
    --android-jar "$android_jar" --dx-jar "$dx_jar" \
    --key "$here/testkey/testkey.pk8" --cert "$here/testkey/testkey.x509.pem" \
    --epoch "$SOURCE_DATE_EPOCH" --only "$only"

# Checksums of everything that should be byte-identical between two runs.
(cd "$out" && find apps -type f | sort | xargs sha256sum) > "$out/SHA256SUMS"
echo "built in $(( $(date +%s) - start ))s: $out (summary.json, SHA256SUMS)" >&2
