#!/usr/bin/env python3
"""Extract the HTTP examples of Microsoft Graph's v1.0 documentation pages into the corpus.

Reads the pages of microsoftgraph/microsoft-graph-docs-contrib offline, from a git directory
(`--git-dir DIR [--rev REV]`, read with `git show`) or from a plain checkout (`--pages DIR`,
the folder that holds `api-reference/`), and writes one JSON file per page into `pages/`
beside this script. Nothing here is needed by the tests: they read only the JSON files.

Each example keeps the page's text as written (`request.body_text`, `response.body_text`) and,
where the page is itself wrong, a `deviations` list saying what is wrong and a `corrected`
object with what the tests use instead. A problem found on a page that has no correction
below stops the script, so a new deviation is never passed over silently.
"""
import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[3]
API_DIR = "api-reference/v1.0/api"
UPSTREAM = "microsoftgraph/microsoft-graph-docs-contrib"

# Page -> the operationIds of spec/openapi.json it documents (both roots where the page
# documents both). The operations list (GET .../authentication/operations) has no v1.0 page.
PAGES = {
    "authentication-list-phonemethods": ["me_phone_methods_list", "users_phone_methods_list"],
    "phoneauthenticationmethod-get": ["me_phone_methods_get", "users_phone_methods_get"],
    # The published page documents /users only (see SUPERSEDED).
    "authentication-post-phonemethods": ["users_phone_methods_create"],
    "phoneauthenticationmethod-update": ["users_phone_methods_update"],
    "phoneauthenticationmethod-delete": ["me_phone_methods_delete", "users_phone_methods_delete"],
    "phoneauthenticationmethod-enablesmssignin": [
        "me_phone_methods_enable_sms_sign_in", "users_phone_methods_enable_sms_sign_in"],
    "phoneauthenticationmethod-disablesmssignin": [
        "me_phone_methods_disable_sms_sign_in", "users_phone_methods_disable_sms_sign_in"],
    "authentication-list-methods": ["me_methods_list", "users_methods_list"],
    "authenticationmethod-get": ["me_methods_get", "users_methods_get"],
    "authentication-list-emailmethods": ["me_email_methods_list", "users_email_methods_list"],
    "emailauthenticationmethod-get": ["me_email_methods_get", "users_email_methods_get"],
    "fido2authenticationmethod-list": ["me_fido2_methods_list", "users_fido2_methods_list"],
    "fido2authenticationmethod-get": ["me_fido2_methods_get", "users_fido2_methods_get"],
    "microsoftauthenticatorauthenticationmethod-list": [
        "me_microsoft_authenticator_methods_list", "users_microsoft_authenticator_methods_list"],
    "microsoftauthenticatorauthenticationmethod-get": [
        "me_microsoft_authenticator_methods_get", "users_microsoft_authenticator_methods_get"],
    "authentication-list-passwordmethods": [
        "me_password_methods_list", "users_password_methods_list"],
    "passwordauthenticationmethod-get": ["me_password_methods_get", "users_password_methods_get"],
    "authentication-list-softwareoathmethods": [
        "me_software_oath_methods_list", "users_software_oath_methods_list"],
    "softwareoathauthenticationmethod-get": [
        "me_software_oath_methods_get", "users_software_oath_methods_get"],
    "authentication-list-temporaryaccesspassmethods": [
        "me_temporary_access_pass_methods_list", "users_temporary_access_pass_methods_list"],
    "temporaryaccesspassauthenticationmethod-get": [
        "me_temporary_access_pass_methods_get", "users_temporary_access_pass_methods_get"],
    "windowshelloforbusinessauthenticationmethod-list": [
        "me_windows_hello_for_business_methods_list",
        "users_windows_hello_for_business_methods_list"],
    "windowshelloforbusinessauthenticationmethod-get": [
        "me_windows_hello_for_business_methods_get",
        "users_windows_hello_for_business_methods_get"],
    "platformcredentialauthenticationmethod-list": [
        "me_platform_credential_methods_list", "users_platform_credential_methods_list"],
    "platformcredentialauthenticationmethod-get": [
        "me_platform_credential_methods_get", "users_platform_credential_methods_get"],
    "authentication-list-externalauthenticationmethods": [
        "me_external_authentication_methods_list", "users_external_authentication_methods_list"],
    "externalauthenticationmethod-get": [
        "me_external_authentication_methods_get", "users_external_authentication_methods_get"],
    "longrunningoperation-get": ["users_operations_get"],
}

SUPERSEDED_NOTE = (
    "this version's example creates a phone under /me; the page as published on "
    "learn.microsoft.com (2025-12) says users can't add a phone authentication method to their "
    "own account, documents only POST /users/{id | userPrincipalName}/authentication/"
    "phoneMethods, and its example is POST /users/kim@contoso.com/authentication/phoneMethods"
)

# Corrections for examples that are wrong on the page, keyed by (page, example index). Each
# entry is what `check` must find, nothing more and nothing less.
#   rename: property names the metadata does not have -> the metadata's name
#   replace: property -> corrected value (response body, or the object inside "value")
#   path: the corrected request path (relative to the v1.0 root)
#   request_body: the corrected request body
CORRECTIONS = {
    ("authentication-post-phonemethods", 0): {
        "replace": {"phoneType": "mobile"},
        "method": "POST",
        "path": "/users/kim@contoso.com/authentication/phoneMethods",
        "why": {"enum": "response phoneType is the placeholder 'phoneType-value', not an "
                "authenticationPhoneType member; the request created a 'mobile'",
                "superseded": SUPERSEDED_NOTE},
    },
    ("phoneauthenticationmethod-update", 0): {
        "request_body": {"phoneNumber": "+1 2065555554", "phoneType": "mobile"},
        "why": {"json": "request body is not JSON: trailing comma after the last property"},
    },
    ("authentication-list-methods", 0): {
        "rename": {"creationDateTime": "createdDateTime"},
        "why": {"unknown": "fido2AuthenticationMethod has no 'creationDateTime' in the metadata; "
                "it is 'createdDateTime' (inherited from authenticationMethod)"},
    },
    ("authenticationmethod-get", 0): {
        "path": "/me/authentication/methods/b5e01f81-1f81-b5e0-811f-e0b5811fe0b5",
        "why": {"placeholder": "request URL has the placeholder '{id}' instead of an id; the "
                "response's id is used"},
    },
    ("emailauthenticationmethod-get", 0): {
        "unwrap": True,
        "why": {"wrapped": "single-object GET response wrapped in \"value\""},
    },
    ("fido2authenticationmethod-list", 0): {
        "rename": {"creationDateTime": "createdDateTime"},
        "why": {"unknown": "'creationDateTime' is not a property of fido2AuthenticationMethod "
                "in the metadata; it is 'createdDateTime'"},
    },
    ("fido2authenticationmethod-get", 0): {
        "unwrap": True,
        "rename": {"creationDateTime": "createdDateTime"},
        "why": {"wrapped": "single-object GET response wrapped in \"value\"",
                "unknown": "'creationDateTime' is not a property of fido2AuthenticationMethod "
                "in the metadata; it is 'createdDateTime'"},
    },
    ("microsoftauthenticatorauthenticationmethod-get", 0): {
        "unwrap": True,
        "path": "/users/anirban@contoso.com/authentication/microsoftAuthenticatorMethods/"
                "6803c096-c096-6803-96c0-036896c00368",
        "why": {"wrapped": "single-object GET response wrapped in \"value\"",
                "id": "request asks for '_jpuR-TGZtk6aQCLF3BQjA2' but the response is "
                "'6803c096-c096-6803-96c0-036896c00368'; the request uses the response's id"},
    },
    ("authentication-list-passwordmethods", 0): {
        "rename": {"creationDateTime": "createdDateTime"},
        "path": "/me/authentication/passwordMethods",
        "why": {"version": "request URL is on /beta, not /v1.0",
                "unknown": "'creationDateTime' is not a property of passwordAuthenticationMethod "
                "in the metadata; it is 'createdDateTime'"},
    },
    ("passwordauthenticationmethod-get", 0): {
        "rename": {"creationDateTime": "createdDateTime"},
        "method": "GET",
        "path": "/me/authentication/passwordMethods/28c10230-6103-485e-b985-444c60001490",
        "why": {"missing": "the request block is empty (annotation without a request); the "
                "page's HTTP request section and the response's id give it",
                "unknown": "'creationDateTime' is not a property of passwordAuthenticationMethod "
                "in the metadata; it is 'createdDateTime'"},
    },
    ("softwareoathauthenticationmethod-get", 0): {
        "unwrap": True,
        "why": {"wrapped": "single-object GET response wrapped in \"value\""},
    },
    ("temporaryaccesspassauthenticationmethod-get", 0): {
        "path": "/users/071cc716-8147-4397-a5ba-b2105951cc0b/authentication/"
                "temporaryAccessPassMethods/6f1967b7-15e8-4935-ac26-d50770ed07a7",
        "why": {"id": "request asks for '05267842-25b2-4b21-8abd-8e4982796f7f' but the response "
                "is '6f1967b7-15e8-4935-ac26-d50770ed07a7'; the request uses the response's id"},
    },
    ("windowshelloforbusinessauthenticationmethod-get", 0): {
        "unwrap": True,
        "path": "/users/annie@contoso.com/authentication/windowsHelloForBusinessMethods/"
                "b5e01f81-1f81-b5e0-811f-e0b5811fe0b5",
        "why": {"wrapped": "single-object GET response wrapped in \"value\"",
                "id": "request asks for '_jpuR-TGZtk6aQCLF3BQjA2' but the response is "
                "'b5e01f81-1f81-b5e0-811f-e0b5811fe0b5'; the request uses the response's id"},
    },
    ("platformcredentialauthenticationmethod-list", 0): {
        "rename": {"creationDateTime": "createdDateTime"},
        "why": {"unknown": "'creationDateTime' is not a property of "
                "platformCredentialAuthenticationMethod in the metadata; it is 'createdDateTime'"},
    },
    ("platformcredentialauthenticationmethod-get", 0): {
        "unwrap": True,
        "rename": {"creationDateTime": "createdDateTime"},
        "why": {"wrapped": "single-object GET response wrapped in \"value\"",
                "unknown": "'creationDateTime' is not a property of "
                "platformCredentialAuthenticationMethod in the metadata; it is 'createdDateTime'"},
    },
    ("authentication-list-externalauthenticationmethods", 0): {
        "replace": {"createdDateTime": "2025-04-02T16:01:39Z"},
        "why": {"timestamp": "createdDateTime '2025-04-02T16:01:39' has no UTC offset; an "
                "Edm.DateTimeOffset needs one (read as UTC)"},
    },
    ("externalauthenticationmethod-get", 0): {
        "unwrap": True,
        "path": "/me/authentication/externalAuthenticationMethods/"
                "78381c69-811f-51f6-66ec-c2c2aa0e2b46",
        "why": {"wrapped": "single-object GET response wrapped in \"value\"",
                "placeholder": "request URL has the placeholder '{externalAuthenticationMethodId}'; "
                "the response's id is used"},
    },
    ("longrunningoperation-get", 0): {
        "replace": {"createdDateTime": "2020-03-19T12:01:03.45Z",
                    "lastActionDateTime": "2020-03-19T12:01:04.23Z"},
        "path": "/users/kim@contoso.com/authentication/operations/"
                "2d497bb-57bd-47a6-8749-5ccd0869f2bd",
        "why": {"placeholder": "request URL is the template '/users/{id | userPrincipalName}/"
                "authentication/operations/{id}' without host or version; the update page's user "
                "'kim@contoso.com' and the response's id are used",
                "timestamp": "createdDateTime '2020-03-19T12-01-03.45Z' and lastActionDateTime "
                "'2020-03-19T12-01-04.23Z' use '-' between hours, minutes and seconds: not ISO 8601"},
    },
}

# Pages whose copy here is older than the page learn.microsoft.com publishes, where the
# published page changed an example: page -> what changed (the correction is in CORRECTIONS).
SUPERSEDED = {"authentication-post-phonemethods": SUPERSEDED_NOTE}

REQUEST_LINE = re.compile(r"^(GET|POST|PATCH|DELETE|PUT)\s+(\S+)")
STATUS_LINE = re.compile(r"^HTTP/1\.1\s+(\d{3})")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def fail(msg):
    print(f"extract.py: {msg}", file=sys.stderr)
    sys.exit(1)


def read_page(args, name):
    rel = f"{API_DIR}/{name}.md"
    if args.git_dir:
        out = subprocess.run(["git", "--git-dir", args.git_dir, "show", f"{args.rev}:{rel}"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"{rel}: not in {args.git_dir} at {args.rev}: {out.stderr.strip()}")
        commit = subprocess.run(["git", "--git-dir", args.git_dir, "log", "-1", "--format=%H",
                                 args.rev, "--", rel], capture_output=True, text=True).stdout.strip()
        return out.stdout, commit
    path = Path(args.pages) / rel
    if not path.is_file():
        fail(f"{path}: missing; pass --pages with the folder that holds api-reference/")
    commit = args.commit_map.get(f"{name}.md") if args.commit_map else None
    if not commit:
        fail(f"{rel}: no upstream commit for it in --commits")
    return path.read_text(encoding="utf-8"), commit


def blocks(text):
    """Yield (annotation blockType or None, annotation line, fence lines or None, line number)."""
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.strip().lower() == "## examples"), 0)
    i, pending = start, None
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("<!--") and "blockType" in line + "".join(lines[i:i + 3]):
            chunk = []
            while i < len(lines):
                chunk.append(lines[i])
                if "-->" in lines[i]:
                    break
                i += 1
            m = re.search(r'"blockType"\s*:\s*"(\w+)"', "\n".join(chunk))
            if pending and pending[0] == "request":
                yield pending[0], pending[1], None, pending[1]
            pending = (m.group(1) if m else None, i + 1)
        elif line.lstrip().startswith("```"):
            body, j = [], i + 1
            while j < len(lines) and not lines[j].lstrip().startswith("```"):
                body.append(lines[j])
                j += 1
            kind = pending[0] if pending else None
            yield kind, pending[1] if pending else None, body, i + 1
            pending, i = None, j
        elif line.startswith("### ") and pending and pending[0] == "request" \
                and line.strip() == "### Response":
            yield "request", pending[1], None, pending[1]
            pending = None
        i += 1


def parse_http(lines):
    lines = list(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    first = lines[0].strip()
    headers, k = {}, 1
    while k < len(lines) and lines[k].strip():
        key, _, value = lines[k].partition(":")
        headers[key.strip()] = value.strip()
        k += 1
    body_text = "\n".join(lines[k:]).strip() or None
    body, error = None, None
    if body_text is not None:
        try:
            body = json.loads(body_text)
        except json.JSONDecodeError as e:
            error = f"line {e.lineno} column {e.colno}: {e.msg}"
    return first, headers, body_text, body, error


def schema_props(spec):
    schemas = spec["components"]["schemas"]

    def props(name, seen=()):
        s = schemas[name]
        out = dict(s.get("properties") or {})
        for part in s.get("allOf", []):
            if "$ref" in part:
                out.update(props(part["$ref"].split("/")[-1]))
            out.update(part.get("properties") or {})
        return out

    return {name.split(".")[-1]: props(name) for name in schemas}


def operation_for(spec, method, path):
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]["operationId"]
    return None


def problems(example, props_by_type, entity):
    """What is wrong with an example, as {class: detail}; classes match CORRECTIONS' `why`."""
    found = {}
    req, resp = example["request"], example["response"]
    if req is None:
        found["missing"] = "no request"
    else:
        if req.get("body_error"):
            found["json"] = req["body_error"]
        if not req["url"].startswith("https://graph.microsoft.com/v1.0/"):
            if "/beta/" in req["url"]:
                found["version"] = req["url"]
            else:
                found["placeholder"] = req["url"]
        elif "{" in req["url"]:
            found["placeholder"] = req["url"]
    body = resp.get("body")
    if resp.get("body_error"):
        found["json"] = resp["body_error"]
    if isinstance(body, dict):
        single = isinstance(body.get("value"), dict)
        if single:
            found["wrapped"] = "value"
            items = [body["value"]]
        elif isinstance(body.get("value"), list):
            items = body["value"]
        else:
            items = [body]
        for item in items:
            odata = item.get("@odata.type", "#microsoft.graph." + entity).split(".")[-1]
            known = props_by_type.get(odata, {})
            for key, value in item.items():
                if key.startswith("@"):
                    continue
                if key not in known:
                    found["unknown"] = key
                    continue
                schema = known[key]
                if schema.get("format") == "date-time" or any(
                        a.get("format") == "date-time" for a in schema.get("anyOf", [])):
                    if isinstance(value, str) and not ISO.match(value):
                        found["timestamp"] = value
                ref = schema.get("$ref") or next(
                    (a["$ref"] for a in schema.get("anyOf", []) if "$ref" in a), None)
                if ref and isinstance(value, str):
                    target = props_by_type.get("__enums__", {}).get(ref.split(".")[-1])
                    if target is not None and value not in target:
                        found["enum"] = value
        if req is not None and not req.get("body") and req["method"] == "GET" and \
                (single or "value" not in body):
            item = items[0]
            last = req["url"].rstrip("/").split("/")[-1]
            if "{" not in last and item.get("id") and last != item["id"]:
                found["id"] = last
    return found


def apply(example, fix):
    corrected = {}
    req, resp = example["request"], example["response"]
    if "method" in fix or "path" in fix:
        corrected["method"] = fix.get("method", req["method"] if req else None)
        corrected["path"] = fix["path"]
    if "request_body" in fix:
        corrected["request_body"] = fix["request_body"]
    body = resp.get("body")
    if any(k in fix for k in ("unwrap", "rename", "replace")):
        body = json.loads(json.dumps(body))
        if fix.get("unwrap"):
            body = body["value"]
        items = body["value"] if isinstance(body.get("value"), list) else [body]
        for item in items:
            for old, new in fix.get("rename", {}).items():
                if old in item:
                    item[new] = item.pop(old)
            for key, value in fix.get("replace", {}).items():
                if key in item:
                    item[key] = value
        corrected["response_body"] = body
    return corrected


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--git-dir", help="a git directory of microsoft-graph-docs-contrib")
    src.add_argument("--pages", help="a folder holding api-reference/v1.0/api/*.md")
    ap.add_argument("--rev", default="HEAD", help="with --git-dir: the revision to read")
    ap.add_argument("--commits", help="with --pages: JSON object, page file name -> commit")
    ap.add_argument("--out", default=str(HERE / "pages"))
    args = ap.parse_args()
    args.commit_map = json.loads(Path(args.commits).read_text()) if args.commits else None

    spec = json.loads((REPO_ROOT / "spec/openapi.json").read_text())
    props_by_type = schema_props(spec)
    props_by_type["__enums__"] = {
        name.split(".")[-1]: s["enum"] for name, s in spec["components"]["schemas"].items()
        if "enum" in s}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    unused = set(CORRECTIONS)
    for page, operations in PAGES.items():
        text, commit = read_page(args, page)
        examples, current = [], None
        for kind, ann_line, body, line in blocks(text):
            if kind == "ignored":
                continue
            if body is None:
                current = {"request": None, "request_line": line}
                continue
            first, headers, body_text, parsed, error = parse_http(body)
            if REQUEST_LINE.match(first):
                method, url = REQUEST_LINE.match(first).groups()
                current = {"request_line": line, "request": {
                    "method": method, "url": url, "headers": headers,
                    "body_text": body_text, "body": parsed, "body_error": error}}
            elif STATUS_LINE.match(first):
                if current is None:
                    fail(f"{page}.md:{line}: a response without a request before it")
                current["response"] = {
                    "status": int(STATUS_LINE.match(first).group(1)), "headers": headers,
                    "body_text": body_text, "body": parsed, "body_error": error}
                current["response_line"] = line
                examples.append(current)
                current = None
        if not examples:
            fail(f"{page}.md: no request/response example found")
        for index, ex in enumerate(examples):
            ex["name"] = f"{page}#{index}"
            base = operations[0].split("_", 1)[1].rsplit("_", 1)[0]
            entity = {
                "phone_methods": "phoneAuthenticationMethod", "methods": "authenticationMethod",
                "email_methods": "emailAuthenticationMethod",
                "fido2_methods": "fido2AuthenticationMethod",
                "microsoft_authenticator_methods": "microsoftAuthenticatorAuthenticationMethod",
                "password_methods": "passwordAuthenticationMethod",
                "software_oath_methods": "softwareOathAuthenticationMethod",
                "temporary_access_pass_methods": "temporaryAccessPassAuthenticationMethod",
                "windows_hello_for_business_methods": "windowsHelloForBusinessAuthenticationMethod",
                "platform_credential_methods": "platformCredentialAuthenticationMethod",
                "external_authentication_methods": "externalAuthenticationMethod",
                "operations": "longRunningOperation",
            }.get(base.replace("_sms_sign_in", "").replace("_enable", "").replace("_disable", ""),
                  "phoneAuthenticationMethod")
            ex["entity"] = entity
            found = problems(ex, props_by_type, entity)
            if page in SUPERSEDED:
                found["superseded"] = SUPERSEDED[page]
            fix = CORRECTIONS.get((page, index))
            unused.discard((page, index))
            expected = set(fix["why"]) if fix else set()
            if set(found) != expected:
                fail(f"{page}.md example {index}: found problems {sorted(found)} "
                     f"({found}) but CORRECTIONS records {sorted(expected)}: update CORRECTIONS")
            if fix:
                ex["deviations"] = [{"kind": k, "what": fix["why"][k]} for k in sorted(fix["why"])]
                ex["corrected"] = apply(ex, fix)
            req = ex["request"]
            method = ex.get("corrected", {}).get("method") or (req and req["method"])
            path = ex.get("corrected", {}).get("path") or \
                req["url"].split("https://graph.microsoft.com/v1.0", 1)[1]
            op = operation_for(spec, method, path.split("?")[0])
            if op is None or op not in operations:
                fail(f"{page}.md example {index}: {method} {path} is not one of {operations}")
            ex["operation"] = op
            ex.pop("request_line", None)
            ex.pop("response_line", None)
            for part in (ex["request"], ex["response"]):
                if part is not None:
                    part.pop("body_error", None)
        doc = {
            "page": f"{API_DIR}/{page}.md",
            "url": f"https://learn.microsoft.com/graph/api/{page}?view=graph-rest-1.0",
            "upstream": UPSTREAM,
            "upstream_commit": commit,
            "licence": "CC-BY-4.0 (documentation); see README.md beside this file",
            "operations": operations,
            "examples": examples,
        }
        (out / f"{page}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    if unused:
        fail(f"CORRECTIONS for examples that do not exist: {sorted(unused)}")
    print(f"extract.py: {len(PAGES)} pages written to {out}")


if __name__ == "__main__":
    main()
