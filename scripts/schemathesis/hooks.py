"""schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

Graph answers `/me/...` only to a delegated token ("/me request is only valid with delegated
authentication flow.", 400), so each request gets the token of its root from
scripts/schemathesis/tenant.json: `st-me` (delegated, UserAuthenticationMethod.ReadWrite.All,
the tenant's Privileged Authentication Administrator) under `/me` and for
`/users/{id}/authentication/operations` (which Graph does not offer to applications), `st-app`
(application, UserAuthenticationMethod.ReadWrite.All) for the rest of `/users`. Between them
they may call every operation that Graph lets any principal call (phone create and update
under `/me` are self-service, which Graph does not support: those answer 403 to every token).
"""
import zlib

import schemathesis

ME_TOKEN = "st-me"
APP_TOKEN = "st-app"
# The tenant's users and objects; the generator's random ids would only ever find 404s.
USERS = ["st-admin@contoso.com", "5c4a2f1e-0000-4000-8000-000000000002"]
ITEMS = {
    "phoneAuthenticationMethod-id": [
        "3179e48a-750b-4051-897c-87b9720928f7",
        "b6332ec1-7057-4abe-9331-3d72feddfe41",
        "e37fc753-ff3b-4958-9484-eaa9425c82bc",
    ],
    "authenticationMethod-id": [
        "3179e48a-750b-4051-897c-87b9720928f7",
        "28c10230-6103-485e-b985-444c60001490",
        "b5e01f81-1f81-b5e0-811f-e0b5811fe0b5",
    ],
    "emailAuthenticationMethod-id": ["3ddfcfc8-9383-446f-83cc-3ab9be4be18f"],
    "passwordAuthenticationMethod-id": ["28c10230-6103-485e-b985-444c60001490"],
    "fido2AuthenticationMethod-id": ["-2_GRUg2-HYz6_1YG4YRAQ2"],
    "microsoftAuthenticatorAuthenticationMethod-id": ["6803c096-c096-6803-96c0-036896c00368"],
    "softwareOathAuthenticationMethod-id": ["b172893e-893e-b172-3e89-72b13e8972b1"],
    "temporaryAccessPassAuthenticationMethod-id": ["6f1967b7-15e8-4935-ac26-d50770ed07a7"],
    "windowsHelloForBusinessAuthenticationMethod-id": ["b5e01f81-1f81-b5e0-811f-e0b5811fe0b5"],
    "platformCredentialAuthenticationMethod-id": ["R18B3t8Ogh9XIOGmPt81d6p_KXJs1YTxfGgGqeVFJSM1"],
    "externalAuthenticationMethod-id": ["78381c69-811f-51f6-66ec-c2c2aa0e2b46"],
    "longRunningOperation-id": ["2d497bb5-57bd-47a6-8749-5ccd0869f2bd"],
}


@schemathesis.auth(refresh_interval=None, retry_on=[])
class PerRootToken:
    def get(self, case, ctx):
        # No caching (refresh_interval=None): called for every case.
        delegated = case.path.startswith("/me") or "/authentication/operations" in case.path
        return ME_TOKEN if delegated else APP_TOKEN

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    # Half of the generated values (chosen by a hash of the value, so the run stays
    # reproducible) are replaced by a user or an object of the tenant, so that operations get
    # past the lookups; the other half are kept (404 paths stay covered).
    for name, value in list((path_parameters or {}).items()):
        known = USERS if name == "user-id" else ITEMS.get(name)
        if known and isinstance(value, str):
            h = zlib.crc32(value.encode("utf-8", "surrogatepass"))
            if h % 2 == 0:
                path_parameters[name] = known[(h // 2) % len(known)]
    return path_parameters


# Graph's phone rules answer some schema-valid requests with 400 and a documented code (the
# create, update, enableSmsSignIn and disableSmsSignIn pages: a number not in the format, an
# alternateMobile without a mobile, a changed phoneType, SMS sign-in on a phone that is not
# the mobile). schemathesis.toml lets positive_data_acceptance accept a 400; this check then
# fails every 400 to schema-valid data that is not one of those business-rule errors.
BUSINESS_RULE_CODES = {
    "invalidPhoneNumber",
    "mobilePhoneRequired",
    "phoneTypeCannotBeChanged",
    "smsSignInNotSupported",
}


@schemathesis.check
def valid_data_rejected_only_by_a_business_rule(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        code = response.json()["error"]["code"]
    except Exception:  # not Graph's error shape: reported below with the body
        code = None
    if code not in BUSINESS_RULE_CODES:
        raise AssertionError(
            f"Schema-valid request rejected with 400 `{code}`, not a documented business-rule "
            f"error ({', '.join(sorted(BUSINESS_RULE_CODES))}): {response.text[:300]}"
        )
    return None
