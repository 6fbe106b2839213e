#!/usr/bin/env python3
"""Builds the obfuscated test set described in tools/obfuscated/README.md.

Called by build.sh (which checks and installs the tools first); not meant to be run alone.
Every step is deterministic: inputs are pinned by sha256 and processed in a fixed order,
ZIP entries get one fixed timestamp (SOURCE_DATE_EPOCH), the signing key is committed.
"""
import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import xml.etree.ElementTree as ET
import zipfile

ANDROID_NS = "http://schemas.android.com/apk/res/android"
A = "{%s}" % ANDROID_NS
COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")
MIN_SDK = 26  # dx needs >= 26 for the invokedynamic / default methods some SDKs contain


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd, cwd=None, quiet=True, env=None):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        log(out[-6000:])
        raise SystemExit("command failed (%d): %s" % (p.returncode, " ".join(cmd)))
    if not quiet:
        log(out)
    return out


def safe_pkg(app_id):
    return "org.apkaudit.obf." + re.sub(r"[^a-z0-9]", "_", app_id.lower())


# ───────────────────────────── inputs ─────────────────────────────


def fetch_npm(inp, downloads):
    name = "%s-%s.tgz" % (inp["package"].replace("@", "").replace("/", "-"), inp["version"])
    path = os.path.join(downloads, name)
    if not os.path.exists(path) or sha256_file(path) != inp["sha256"]:
        os.makedirs(downloads, exist_ok=True)
        log("  npm pack %s@%s" % (inp["package"], inp["version"]))
        out = run(["npm", "pack", "--silent", "%s@%s" % (inp["package"], inp["version"])], cwd=downloads)
        got = out.strip().splitlines()[-1].strip()
        if os.path.join(downloads, got) != path:
            os.replace(os.path.join(downloads, got), path)
    digest = sha256_file(path)
    if digest != inp["sha256"]:
        raise SystemExit("sha256 mismatch for %s: %s (pinned %s)" % (path, digest, inp["sha256"]))
    return path


def artefact_path(inp, args):
    if inp["kind"] == "corpus":
        path = os.path.join(args.corpus, inp["file"])
        if not os.path.exists(path):
            return None
        digest = sha256_file(path)
        if digest != inp["sha256"]:
            raise SystemExit("sha256 mismatch for %s: %s (pinned %s)" % (path, digest, inp["sha256"]))
        return path
    if inp["kind"] == "npm":
        return fetch_npm(inp, os.path.join(args.out, "downloads"))
    raise SystemExit("unknown input kind %r" % inp["kind"])


def read_member(artefact, kind, member):
    if member == ".":
        with open(artefact, "rb") as f:
            return f.read()
    if kind == "npm":
        with tarfile.open(artefact, "r:gz") as t:
            f = t.extractfile(member)
            if f is None:
                raise SystemExit("%s: no member %s" % (artefact, member))
            return f.read()
    with zipfile.ZipFile(artefact) as z:
        return z.read(member)


def input_label(inp):
    if inp["kind"] == "corpus":
        return "corpus:" + inp["file"]
    return "npm:%s@%s" % (inp["package"], inp["version"])


def class_names(jar_path):
    """Binary class names in a jar, in sorted order, skipping module/package-info and
    multi-release copies (ProGuard is told to skip the same ones)."""
    names = []
    with zipfile.ZipFile(jar_path) as z:
        for n in z.namelist():
            if not n.endswith(".class") or n.startswith("META-INF/"):
                continue
            base = n.rsplit("/", 1)[-1]
            if base in ("module-info.class", "package-info.class"):
                continue
            names.append(n[:-6].replace("/", "."))
    return sorted(names)


# ───────────────────────────── manifest ─────────────────────────────


def substitute(value, pkg):
    v = value.replace("${applicationId}", pkg).replace("${packageName}", pkg).replace("$PACKAGE_NAME", pkg)
    if "${" in v or "$" in v.split(".")[0]:
        return None
    if v.startswith("@") and not v.startswith("@android:"):
        return None
    return v


def copy_element(src, pkg, base_pkg):
    """A clean copy of a component element: android: attributes only, resource and
    placeholder references dropped, intent filters kept, meta-data dropped."""
    tag = src.tag.split("}")[-1]
    dst = ET.Element(tag)
    for k, v in sorted(src.attrib.items()):
        if not k.startswith(A):
            continue
        local = k[len(A):]
        if local == "name" and tag in COMPONENT_TAGS:
            continue
        nv = substitute(v, pkg)
        if nv is None:
            continue
        dst.set(k, nv)
    for child in src:
        ctag = child.tag.split("}")[-1] if isinstance(child.tag, str) else None
        if ctag not in ("intent-filter", "action", "category", "data"):
            continue
        c = copy_element(child, pkg, base_pkg)
        if ctag in ("action", "category") and c.get(A + "name") is None:
            continue
        if ctag == "intent-filter" and len(c) == 0:
            continue
        dst.append(c)
    return dst


def resolve_name(name, base_pkg):
    if name.startswith("."):
        return (base_pkg or "") + name
    if "." not in name and base_pkg:
        return base_pkg + "." + name
    return name


def components_from_xml(text, pkg, sdk_classes):
    root = ET.fromstring(text)
    base_pkg = root.get("package") if root.tag == "manifest" else None
    comps, dropped, perms = [], [], []
    for e in root.iter():
        if not isinstance(e.tag, str):
            continue
        tag = e.tag.split("}")[-1]
        if tag == "uses-permission":
            n = e.get(A + "name")
            n = substitute(n, pkg) if n else None
            if n:
                perms.append(n)
        if tag not in COMPONENT_TAGS:
            continue
        raw = e.get(A + "name")
        if not raw:
            continue
        name = resolve_name(raw, base_pkg)
        if name in sdk_classes:
            el = copy_element(e, pkg, base_pkg)
            if tag == "provider" and el.get(A + "authorities") is None:
                el.set(A + "authorities", pkg + "." + name.rsplit(".", 1)[-1].lower())
            comps.append((tag, name, el))
        else:
            dropped.append(name)
    return comps, dropped, perms


def write_manifest(path, pkg, app, comps, perms):
    ET.register_namespace("android", ANDROID_NS)
    m = ET.Element("manifest", {"package": pkg, A + "versionCode": "1", A + "versionName": "1.0"})
    ET.SubElement(m, "uses-sdk", {A + "minSdkVersion": str(MIN_SDK), A + "targetSdkVersion": str(MIN_SDK)})
    for p in perms:
        ET.SubElement(m, "uses-permission", {A + "name": p})
    appl = ET.SubElement(m, "application", {A + "label": "obf " + app["id"], A + "allowBackup": "false"})
    main = ET.SubElement(appl, "activity", {A + "name": pkg + ".MainActivity", A + "exported": "true"})
    f = ET.SubElement(main, "intent-filter")
    ET.SubElement(f, "action", {A + "name": "android.intent.action.MAIN"})
    ET.SubElement(f, "category", {A + "name": "android.intent.category.LAUNCHER"})
    for tag, name, el in comps:
        el.tag = tag
        attrs = dict(el.attrib)
        el.attrib.clear()
        el.set(A + "name", name)
        for k in sorted(attrs):
            el.set(k, attrs[k])
        appl.append(el)
    ET.indent(m)
    with open(path, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="utf-8"?>\n')
        f.write(ET.tostring(m, encoding="utf-8"))
        f.write(b"\n")


# ───────────────────────────── host app ─────────────────────────────

HOST_TEMPLATE = """package %(pkg)s;

%(imports)s
import android.app.Activity;
import android.os.Bundle;

/** Host of the obfuscated test app %(id)s: starts the SDK the way its docs say. */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle b) {
        super.onCreate(b);
        %(init)s
    }

    @Override
    protected void onResume() {
        super.onResume();
        %(on_resume)s
    }

    @Override
    protected void onPause() {
        super.onPause();
        %(on_pause)s
    }
}
"""


def write_host(src_dir, pkg, app):
    d = os.path.join(src_dir, *pkg.split("."))
    os.makedirs(d, exist_ok=True)
    text = HOST_TEMPLATE % {
        "pkg": pkg,
        "id": app["id"],
        "imports": "\n".join("import %s;" % i for i in app.get("imports", [])),
        "init": app["init"],
        "on_resume": app.get("on_resume", ""),
        "on_pause": app.get("on_pause", ""),
    }
    path = os.path.join(d, "MainActivity.java")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


# ───────────────────────────── ProGuard, dx, packaging ─────────────────────────────


def proguard_config(path, injars, outjar, android_jar, pkg, comps, obfuscate, mapping):
    lines = []
    for j in injars:
        lines.append("-injars '%s'(!META-INF/**,!**/module-info.class)" % j)
    lines.append("-outjars '%s'" % outjar)
    lines.append("-libraryjars '%s'" % android_jar)
    lines += [
        "-dontoptimize",  # keeps one output method per input method (no inlining/merging)
        "-dontpreverify",
        "-dontwarn",
        "-ignorewarnings",
        "-dontnote",
        "-keep public class %s.MainActivity { *; }" % pkg,
    ]
    for _tag, name, _el in comps:
        lines.append("-keep class %s { <init>(...); }" % name)
    if obfuscate:
        lines += [
            "-repackageclasses 'o'",
            "-allowaccessmodification",
            "-overloadaggressively",
            "-printmapping '%s'" % mapping,
        ]
    else:
        lines.append("-dontobfuscate")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def dex(dx_jar, in_jar, out_dir):
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    run(["java", "-Xmx3g", "-jar", dx_jar, "--dex", "--multi-dex", "--min-sdk-version=%d" % MIN_SDK,
         "--output=" + out_dir, in_jar])
    files = sorted(f for f in os.listdir(out_dir) if re.fullmatch(r"classes\d*\.dex", f))
    files.sort(key=lambda f: (len(f), f))
    return [os.path.join(out_dir, f) for f in files]


def dos_time(epoch):
    t = time.gmtime(max(epoch, 315532800))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def write_apk(path, res_apk, dex_files, epoch):
    """An unsigned APK with fixed entry order, timestamps and attributes."""
    entries = []
    with zipfile.ZipFile(res_apk) as z:
        names = z.namelist()
        entries.append(("AndroidManifest.xml", z.read("AndroidManifest.xml"), zipfile.ZIP_DEFLATED))
        for d in dex_files:
            with open(d, "rb") as f:
                entries.append((os.path.basename(d), f.read(), zipfile.ZIP_DEFLATED))
        if "resources.arsc" in names:
            entries.append(("resources.arsc", z.read("resources.arsc"), zipfile.ZIP_STORED))
        for n in sorted(names):
            if n not in ("AndroidManifest.xml", "resources.arsc"):
                entries.append((n, z.read(n), zipfile.ZIP_DEFLATED))
    dt = dos_time(epoch)
    with zipfile.ZipFile(path, "w") as z:
        for name, data, method in entries:
            zi = zipfile.ZipInfo(name, date_time=dt)
            zi.compress_type = method
            zi.create_system = 0
            zi.external_attr = 0
            z.writestr(zi, data, compress_type=method, compresslevel=9 if method == zipfile.ZIP_DEFLATED else None)


def package_apk(work, tag, manifest, dex_files, out_apk, args):
    res_apk = os.path.join(work, "res-%s.apk" % tag)
    if os.path.exists(res_apk):
        os.remove(res_apk)
    run(["aapt", "package", "-f", "-M", manifest, "-I", args.android_jar, "-F", res_apk])
    unsigned = os.path.join(work, "unsigned-%s.apk" % tag)
    aligned = os.path.join(work, "aligned-%s.apk" % tag)
    write_apk(unsigned, res_apk, dex_files, args.epoch)
    run(["zipalign", "-p", "-f", "4", unsigned, aligned])
    run(["apksigner", "sign", "--key", args.key, "--cert", args.cert, "--out", out_apk, aligned])
    if os.path.exists(out_apk + ".idsig"):
        os.remove(out_apk + ".idsig")
    run(["apksigner", "verify", out_apk])


# ───────────────────────────── knowledge ─────────────────────────────


def load_signatures(repo):
    prefixes = {}
    base = os.path.join(repo, "signatures")
    for d in sorted(os.listdir(base)):
        dd = os.path.join(base, d)
        if not os.path.isdir(dd):
            continue
        for f in sorted(os.listdir(dd)):
            if not f.endswith(".toml"):
                continue
            with open(os.path.join(dd, f), "rb") as fh:
                s = tomllib.load(fh)
            for p in s.get("match", {}).get("packages", []):
                prefixes.setdefault(p, s["id"])
    return prefixes


def owner_of(cls, prefixes):
    """SDK id by the longest package prefix that matches on a segment boundary."""
    parts = cls.split(".")
    for i in range(len(parts) - 1, 0, -1):
        p = ".".join(parts[:i])
        if p in prefixes:
            return prefixes[p]
    return None


class Sensitive:
    def __init__(self, path):
        with open(path, "rb") as f:
            db = tomllib.load(f)
        self.methods, self.fields, self.exact, self.prefix = {}, {}, {}, []
        self.api_class = {}  # id -> dotted class name (methods and fields)
        for e in db["api"]:
            if "class" in e:
                self.api_class[e["id"]] = e["class"][1:-1].replace("/", ".")
            if e["kind"] == "method":
                for n in e["names"]:
                    self.methods[(e["class"], n)] = e["id"]
            elif e["kind"] == "field":
                for n in e["names"]:
                    self.fields[(e["class"], n)] = e["id"]
            else:
                for n in e["names"]:
                    if e.get("match", "exact") == "uri_prefix":
                        self.prefix.append((n, e["id"]))
                    self.exact[n] = e["id"]

    def string(self, s):
        if s in self.exact:
            return self.exact[s]
        for p, i in self.prefix:
            if s.startswith(p) and len(s) > len(p) and s[len(p)] in "/?#":
                return i
        return None


# ───────────────────────────── javap (original code) ─────────────────────────────

JAVAP_REF = re.compile(r"^\s+\d+: (\w+)\s+#\d+(?:,\s*\d+)*\s+// (Method|InterfaceMethod|Field|String) (.*)$")
HEADER = re.compile(r"\b(?:class|interface)\s+([^\s<{]+)")


def javap_sites(jar, classes, sens):
    """{(class, method, desc): {api_id: count}} for the given classes, from `javap -c -p -s`."""
    sites = {}
    all_methods = set()
    for i in range(0, len(classes), 400):
        chunk = classes[i:i + 400]
        p = subprocess.run(["javap", "-c", "-p", "-s", "-cp", jar] + chunk,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise SystemExit("javap failed on %s: %s" % (jar, p.stderr.decode()[-2000:]))
        cls = None
        pending = None
        method = None
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            if line and not line.startswith(" ") and line.rstrip().endswith("{"):
                m = HEADER.search(line)
                cls = m.group(1) if m else None
                method = None
                continue
            if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(";"):
                decl = line.strip()
                if decl == "static {};":
                    pending = "<clinit>"
                elif "(" in decl:
                    head = decl.split("(", 1)[0].split()
                    name = head[-1] if head else ""
                    pending = "<init>" if name == cls else name
                else:
                    pending = None  # a field
                method = None
                continue
            if line.startswith("    descriptor: "):
                if pending is not None:
                    method = (cls, pending, line.split(": ", 1)[1].strip())
                    all_methods.add(method)
                pending = None
                continue
            m = JAVAP_REF.match(line)
            if not m or method is None:
                continue
            op, kind, ref = m.groups()
            api = None
            if kind in ("Method", "InterfaceMethod") and op.startswith("invoke"):
                owner_name = ref.split(":", 1)[0]
                if "." in owner_name and not owner_name.startswith('"'):
                    owner, name = owner_name.rsplit(".", 1)
                    api = sens.methods.get(("L%s;" % owner, name))
            elif kind == "Field" and op in ("getstatic", "getfield"):
                owner_name = ref.split(":", 1)[0]
                if "." in owner_name:
                    owner, name = owner_name.rsplit(".", 1)
                    api = sens.fields.get(("L%s;" % owner, name))
            elif kind == "String" and op in ("ldc", "ldc_w"):
                api = sens.string(ref)
            if api:
                d = sites.setdefault(method, {})
                d[api] = d.get(api, 0) + 1
    return sites, all_methods


# ───────────────────────────── dexdump (output code) ─────────────────────────────

DEX_METHOD = re.compile(r"\|\[[0-9a-f]+\] (.+)$")
DEX_INVOKE = re.compile(r"\|[0-9a-f]{4}: (invoke-[\w/-]+) \{[^}]*\}, (\S+) // method@")
DEX_FIELD = re.compile(r"\|[0-9a-f]{4}: ([is]get[\w-]*) v\d+, (?:v\d+, )?(\S+) // field@")
DEX_STRING = re.compile(r'\|[0-9a-f]{4}: const-string(?:/jumbo)? v\d+, "(.*)" // string@')
DEX_CLASS = re.compile(r"^  Class descriptor  : '(.+)'$")


def dexdump_sites(dex_files, sens):
    classes, sites = [], {}
    for dfile in dex_files:
        out = run(["dexdump", "-d", dfile])
        method = None
        for line in out.splitlines():
            m = DEX_CLASS.match(line)
            if m:
                classes.append(m.group(1))
                continue
            m = DEX_METHOD.search(line)
            if m and "|[" in line:
                full = m.group(1)
                head, desc = full.split(":(", 1)
                cls, name = head.rsplit(".", 1)
                method = (cls, name, "(" + desc)
                continue
            api = None
            m = DEX_INVOKE.search(line)
            if m:
                ref = m.group(2)
                owner, rest = ref.split(";.", 1) if ";." in ref else (None, None)
                if owner:
                    api = sens.methods.get((owner + ";", rest.split(":", 1)[0]))
            else:
                m = DEX_FIELD.search(line)
                if m:
                    ref = m.group(2)
                    if ";." in ref:
                        owner, rest = ref.split(";.", 1)
                        api = sens.fields.get((owner + ";", rest.split(":", 1)[0]))
                else:
                    m = DEX_STRING.search(line)
                    if m:
                        api = sens.string(m.group(1))
            if api and method:
                d = sites.setdefault(method, {})
                d[api] = d.get(api, 0) + 1
    return classes, sites


# ───────────────────────────── mapping ─────────────────────────────

PRIM = {"Z": "boolean", "B": "byte", "C": "char", "S": "short", "I": "int", "J": "long",
        "F": "float", "D": "double", "V": "void"}
PRIM_REV = {v: k for k, v in PRIM.items()}


def desc_types(desc):
    """'(ILjava/lang/String;)[B' -> (['int','java.lang.String'], 'byte[]')"""
    def one(s, i):
        dims = 0
        while s[i] == "[":
            dims += 1
            i += 1
        if s[i] == "L":
            j = s.index(";", i)
            t = s[i + 1:j].replace("/", ".")
            i = j + 1
        else:
            t = PRIM[s[i]]
            i += 1
        return t + "[]" * dims, i
    params, i = [], 1
    while desc[i] != ")":
        t, i = one(desc, i)
        params.append(t)
    ret, _ = one(desc, i + 1)
    return params, ret


def java_to_desc(t, class_map):
    dims = 0
    while t.endswith("[]"):
        dims += 1
        t = t[:-2]
    if t in PRIM_REV:
        d = PRIM_REV[t]
    else:
        d = "L" + class_map.get(t, t).replace(".", "/") + ";"
    return "[" * dims + d


def parse_mapping(path):
    classes, methods = {}, {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if not line.startswith(" "):
                orig, obf = line.rstrip(":").split(" -> ")
                classes[orig] = obf
                cur = orig
                continue
            body, obf = line.strip().split(" -> ")
            if "(" not in body:
                continue
            body = re.sub(r"^\d+:\d+:", "", body)
            head, params = body.split("(", 1)
            ret, name = head.rsplit(" ", 1)
            params = params.rstrip(")")
            methods[(cur, name, ret, params)] = obf
    return classes, methods


def map_method(cls, name, desc, classes, methods):
    params, ret = desc_types(desc)
    if cls not in classes:
        return None
    # constructors and static initialisers are listed too ("void <init>() -> <init>"), so
    # a method absent from the mapping was removed by shrinking
    oname = methods.get((cls, name, ret, ",".join(params)))
    if oname is None:
        return None
    odesc = "(" + "".join(java_to_desc(p, classes) for p in params) + ")" + java_to_desc(ret, classes)
    return classes[cls], oname, odesc


# ───────────────────────────── one app ─────────────────────────────


def tool_versions(args):
    v = {}
    p = subprocess.run(["proguard"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    v["proguard"] = p.stdout.decode().splitlines()[0].strip()
    v["dx"] = run(["java", "-jar", args.dx_jar, "--version"]).strip()
    v["dx_deb"] = "dalvik-exchange 10.0.0+r36-1 (Debian 11)"
    v["android_jar_deb"] = "libandroid-23-java 6.0.1+r72-6 (Debian 11)"
    v["javac"] = run(["javac", "-version"]).strip()
    aapt = run(["aapt", "version"]).strip()
    v["aapt"] = aapt
    return v


def build_app(app, args, prefixes, sens, versions):
    app_id = app["id"]
    pkg = safe_pkg(app_id)
    work = os.path.join(args.out, "work", app_id)
    outd = os.path.join(args.out, "apps", app_id)
    for d in (work, outd):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)

    # 1. inputs
    artefacts, jars, inputs_meta = [], [], []
    for i, inp in enumerate(app["input"]):
        path = artefact_path(inp, args)
        if path is None:
            log("  skip %s: %s not found under %s" % (app_id, inp.get("file"), args.corpus))
            shutil.rmtree(outd)
            return None
        artefacts.append(path)
        meta = {"source": input_label(inp), "sha256": inp["sha256"], "members": []}
        for mem in inp["members"]:
            data = read_member(path, inp["kind"], mem)
            name = "%02d-%s" % (len(jars), os.path.basename(inp["file"] if mem == "." else mem))
            jp = os.path.join(work, "in", name)
            os.makedirs(os.path.dirname(jp), exist_ok=True)
            with open(jp, "wb") as f:
                f.write(data)
            jars.append((jp, input_label(inp) + ("" if mem == "." else "!" + mem)))
            meta["members"].append({"path": mem, "sha256": hashlib.sha256(data).hexdigest()})
        inputs_meta.append(meta)

    # class -> (jar, label), first definition wins (as in ProGuard)
    origin = {}
    for jp, label in jars:
        for c in class_names(jp):
            origin.setdefault(c, (jp, label))
    sdk_classes = set(origin)

    # 2. components
    comps, dropped, perms, comp_sources = [], [], [], []
    for src in app.get("components_from", []):
        inp = app["input"][src["input"]]
        text = read_member(artefacts[src["input"]], inp["kind"], src["path"]).decode("utf-8", "replace")
        c, d, p = components_from_xml(text, pkg, sdk_classes)
        comps += c
        dropped += d
        perms += p
        comp_sources.append("%s!%s" % (input_label(inp), src["path"]))
    for tag, name in app.get("components", []):
        if name not in sdk_classes:
            raise SystemExit("%s: component %s is not a class of the SDK input" % (app_id, name))
        comps.append((tag, name, ET.Element(tag)))
    if app.get("components_source"):
        comp_sources.append(app["components_source"])
    seen = set()
    comps = [c for c in comps if not (c[1] in seen or seen.add(c[1]))]
    perms = list(dict.fromkeys(perms))
    manifest = os.path.join(work, "AndroidManifest.xml")
    write_manifest(manifest, pkg, app, comps, perms)

    # 3. host
    src_dir = os.path.join(work, "src")
    host_java = write_host(src_dir, pkg, app)
    host_classes = os.path.join(work, "host-classes")
    os.makedirs(host_classes)
    cp = ":".join(j for j, _ in jars)
    run(["javac", "-source", "8", "-target", "8", "-bootclasspath", args.android_jar, "-cp", cp,
         "-encoding", "UTF-8", "-nowarn", "-Xlint:-options", "-implicit:none", "-d", host_classes, host_java])
    host_jar = os.path.join(work, "in", "host.jar")
    with zipfile.ZipFile(host_jar, "w") as z:
        for root, _dirs, files in sorted(os.walk(host_classes)):
            for f in sorted(files):
                full = os.path.join(root, f)
                zi = zipfile.ZipInfo(os.path.relpath(full, host_classes), date_time=dos_time(args.epoch))
                with open(full, "rb") as fh:
                    z.writestr(zi, fh.read())
    for c in class_names(host_jar):
        origin[c] = (host_jar, "host")

    injars = [host_jar] + [j for j, _ in jars]

    # 4. ProGuard: obfuscated and plain (shrunk only) twins
    mapping = os.path.join(outd, "mapping.txt")
    for obf in (True, False):
        tag = "obf" if obf else "plain"
        cfg = os.path.join(work, "proguard-%s.pro" % tag)
        proguard_config(cfg, injars, os.path.join(work, "%s.jar" % tag), args.android_jar, pkg, comps, obf, mapping)
        run(["proguard", "@" + cfg])

    # 5. dex, package, sign
    dex_obf = dex(args.dx_jar, os.path.join(work, "obf.jar"), os.path.join(work, "dex-obf"))
    dex_plain = dex(args.dx_jar, os.path.join(work, "plain.jar"), os.path.join(work, "dex-plain"))
    apk = os.path.join(outd, "%s.apk" % app_id)
    twin = os.path.join(outd, "%s-plain.apk" % app_id)
    package_apk(work, "obf", manifest, dex_obf, apk, args)
    package_apk(work, "plain", manifest, dex_plain, twin, args)
    shutil.copy(manifest, os.path.join(outd, "AndroidManifest.xml"))

    # 6. truth
    cmap, mmap = parse_mapping(mapping)
    rev = {v: k for k, v in cmap.items()}
    sites = {}
    by_jar = {}
    for c, (jp, _label) in origin.items():
        by_jar.setdefault(jp, []).append(c)
    for jp in sorted(by_jar):
        s, _m = javap_sites(jp, sorted(by_jar[jp]), sens)
        sites.update(s)

    dex_classes, dex_sites = dexdump_sites(dex_obf, sens)
    plain_classes, plain_sites = dexdump_sites(dex_plain, sens)

    classes_out = []
    for d in sorted(dex_classes):
        obf_name = d[1:-1].replace("/", ".")
        orig = rev.get(obf_name)
        if orig is None:
            raise SystemExit("%s: dex class %s is not in the mapping" % (app_id, obf_name))
        classes_out.append({
            "obfuscated": obf_name,
            "original": orig,
            "sdk": owner_of(orig, prefixes),
            "input": origin[orig][1] if orig in origin else None,
        })

    per_sdk = {}
    expected_obf, expected_plain = {}, {}
    for (cls, name, desc), apis in sorted(sites.items()):
        sdk = owner_of(cls, prefixes) if origin.get(cls, (None, ""))[1] != "host" else None
        key = sdk or ("host" if origin.get(cls, (None, ""))[1] == "host" else "unowned")
        mapped = map_method(cls, name, desc, cmap, mmap)
        entry = {
            "original": {"class": cls, "name": name, "descriptor": desc},
            "obfuscated": None,
            "apis": dict(sorted(apis.items())),
            "call_sites": sum(apis.values()),
            "input": origin[cls][1] if cls in origin else None,
        }
        if mapped:
            entry["obfuscated"] = {"class": mapped[0], "name": mapped[1], "descriptor": mapped[2]}
            # an API declared by a class of the app itself (an SDK's own location client,
            # say) is renamed with it: the obfuscated call no longer names the listed class
            hidden = {a: n for a, n in apis.items()
                      if cmap.get(sens.api_class.get(a, ""), sens.api_class.get(a, "")) != sens.api_class.get(a, "")}
            visible = {a: n for a, n in apis.items() if a not in hidden}
            entry["apis_renamed_away"] = dict(sorted(hidden.items()))
            if visible:
                expected_obf[("L%s;" % mapped[0].replace(".", "/"), mapped[1], mapped[2])] = visible
            expected_plain[("L%s;" % cls.replace(".", "/"), name, desc)] = dict(apis)
        per_sdk.setdefault(key, []).append(entry)

    def compare(expected, got, dex_names):
        # dexdump names methods "Lpkg/Cls;"-less: "pkg.Cls"; normalise both sides to L...;
        got_n = {("L%s;" % c.replace(".", "/"), n, d): v for (c, n, d), v in got.items()}
        agree = sum(1 for k, v in expected.items() if got_n.get(k) == v)
        missing = sorted("%s->%s%s %s" % (k[0], k[1], k[2], json.dumps(v, sort_keys=True))
                         for k, v in expected.items() if got_n.get(k) != v)
        extra = sorted("%s->%s%s %s" % (k[0], k[1], k[2], json.dumps(v, sort_keys=True))
                       for k, v in got_n.items() if expected.get(k) != v)
        return {"methods_expected": len(expected), "methods_agree": agree,
                "call_sites_expected": sum(sum(v.values()) for v in expected.values()),
                "call_sites_in_dexdump": sum(sum(v.values()) for v in got_n.values()),
                "mismatch_expected_not_in_dex": missing, "mismatch_in_dex_not_expected": extra}

    sdks_out = {}
    for key in sorted(per_sdk):
        lst = per_sdk[key]
        kept = [e for e in lst if e["obfuscated"]]
        apis = {}
        for e in kept:
            for a, n in e["apis"].items():
                apis[a] = apis.get(a, 0) + n
        sdks_out[key] = {
            "sensitive_methods_in_input": len(lst),
            "call_sites_in_input": sum(e["call_sites"] for e in lst),
            "sensitive_methods_in_apk": len(kept),
            "call_sites_in_apk": sum(e["call_sites"] for e in kept),
            "call_sites_in_apk_renamed_away": sum(sum(e["apis_renamed_away"].values()) for e in kept),
            "apis_in_apk": dict(sorted(apis.items())),
            "methods": lst,
        }

    by_sdk_count = {}
    for c in classes_out:
        k = c["sdk"] or ("host" if c["input"] == "host" else "unowned")
        by_sdk_count[k] = by_sdk_count.get(k, 0) + 1
    truth = {
        "schema": "apkaudit-obfuscated-set/1",
        "app": app_id,
        "sdk": app["sdk"],
        "package": pkg,
        "apk": os.path.basename(apk),
        "apk_sha256": sha256_file(apk),
        "twin_apk": os.path.basename(twin),
        "twin_apk_sha256": sha256_file(twin),
        "mapping": "mapping.txt",
        "inputs": inputs_meta,
        "components": [{"kind": t, "class": n} for t, n, _ in comps],
        "components_source": comp_sources,
        "components_dropped_not_sdk_classes": sorted(set(dropped)),
        "permissions": perms,
        "tools": versions,
        "proguard_options": ["-repackageclasses 'o'", "-allowaccessmodification", "-overloadaggressively",
                             "-dontoptimize", "-dontpreverify", "-dontwarn", "-ignorewarnings"],
        "class_counts": {
            "input_classes": len([c for c in origin if origin[c][1] != "host"]),
            "apk_classes": len(classes_out),
            "twin_apk_classes": len(plain_classes),
            "renamed": sum(1 for c in classes_out if c["obfuscated"] != c["original"]),
            "by_owner": dict(sorted(by_sdk_count.items())),
        },
        "classes": classes_out,
        "sensitive": sdks_out,
        "crosscheck": {
            "note": "the mapped javap call sites against dexdump -d of the APK's dex (obfuscated) and of the twin's dex (original names)",
            "obfuscated_dex": compare(expected_obf, dex_sites, dex_classes),
            "twin_dex": compare(expected_plain, plain_sites, plain_classes),
        },
    }
    with open(os.path.join(outd, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, ensure_ascii=False, sort_keys=False)
        f.write("\n")
    return truth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--android-jar", required=True)
    ap.add_argument("--dx-jar", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--epoch", type=int, required=True)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "apps.toml"), "rb") as f:
        apps = tomllib.load(f)["app"]
    only = [x for x in args.only.split(",") if x]
    prefixes = load_signatures(args.repo)
    sens = Sensitive(os.path.join(args.repo, "data", "sensitive_apis.toml"))
    versions = tool_versions(args)
    summary = []
    for app in apps:
        if only and app["id"] not in only:
            continue
        t0 = time.time()
        log("== %s" % app["id"])
        t = build_app(app, args, prefixes, sens, versions)
        if t is None:
            summary.append({"app": app["id"], "skipped": True})
            continue
        cc = t["class_counts"]
        row = {
            "app": app["id"], "sdk": app["sdk"],
            "apk_classes": cc["apk_classes"], "renamed": cc["renamed"],
            "sdk_classes": cc["by_owner"].get(app["sdk"], 0),
            "sensitive_methods_in_apk": sum(s["sensitive_methods_in_apk"] for s in t["sensitive"].values()),
            "call_sites_in_apk": sum(s["call_sites_in_apk"] for s in t["sensitive"].values()),
            "renamed_away": sum(s["call_sites_in_apk_renamed_away"] for s in t["sensitive"].values()),
            "crosscheck_obf": "%d/%d" % (t["crosscheck"]["obfuscated_dex"]["methods_agree"],
                                         t["crosscheck"]["obfuscated_dex"]["methods_expected"]),
            "crosscheck_twin": "%d/%d" % (t["crosscheck"]["twin_dex"]["methods_agree"],
                                          t["crosscheck"]["twin_dex"]["methods_expected"]),
        }
        log("   %s (%ds)" % (json.dumps(row), time.time() - t0))
        summary.append(row)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
