"""Catalog entries for the 'rbac' area: `authdoctor rbac why`, a user's permissions and access to
models, knowledge and tools, computed from Open WebUI 0.12.4's database as the app computes them
(see `authdoctor.rbac.evaluate`)."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity

_PERMS = ("Open WebUI utils/access_control/__init__.py has_permission, get_permissions",
          "Open WebUI config.py DEFAULT_USER_PERMISSIONS")
_GRANTS = ("Open WebUI models/access_grants.py AccessGrants.has_access",)

ENTRIES: tuple[CodeInfo, ...] = (
    CodeInfo(
        code="rbac.permission-granted",
        severity=Severity.INFO,
        summary="the user has the permission; the finding names what grants it (a group, the defaults)",
        explanation=(
            "The answer of `authdoctor rbac why USER PERMISSION` when the user has it. Open WebUI "
            "0.12.4 checks permissions only for the role 'user' (admins skip every check). For a "
            "user, has_permission is true when any group the user is in (parent groups included) "
            "has the dotted permission on, or else when the default permissions (the config row "
            "user.permissions, filled from USER_PERMISSIONS_* for missing keys) have it on. The "
            "finding lists each group's value and where the default comes from. It is not a "
            "problem."
        ),
        fix="Nothing to do. To take the permission away, turn it off in every group listed and in "
            "the default permissions: a group's 'off' never removes what another grants.",
        references=_PERMS,
    ),
    CodeInfo(
        code="rbac.permission-denied",
        severity=Severity.WARNING,
        summary="the user lacks the permission: off in the defaults and in every group of the user",
        explanation=(
            "has_permission is false: no group of the user (parent groups included) has the "
            "permission on, and the default permissions have it off or lack it (a missing path is "
            "false). Where the API checks it the app answers 401 '401 Unauthorized' (e.g. POST "
            "/api/v1/models/create for workspace.models), the same words as a rejected token, and the "
            "UI hides the feature. A USER_PERMISSIONS_* variable only matters for keys the stored "
            "user.permissions lacks: once the app has seeded the row (first start) or an admin "
            "saved the defaults, changing the variable does nothing; the finding says so when it "
            "applies."
        ),
        fix="Turn the permission on for one of the user's groups (Admin Panel > Users > Groups > "
            "<group> > Permissions), add the user to a group that has it, or turn it on for every "
            "user in Admin Panel > Users > Groups > Default permissions.",
        references=_PERMS,
    ),
    CodeInfo(
        code="rbac.access-granted",
        severity=Severity.INFO,
        summary="the user can use or change the model, knowledge base or tool; the finding names why",
        explanation=(
            "The answer of `authdoctor rbac why USER --model/--knowledge/--tool ID` when access is "
            "allowed: BYPASS_MODEL_ACCESS_CONTROL (models, everyone), the admin role (with "
            "BYPASS_ADMIN_ACCESS_CONTROL for using models; always for opening knowledge and tools and "
            "for changes), ownership, or an access grant row (user:* public, the user, or a group of "
            "the user with its parent groups) with exactly the permission asked. It is not a problem."
        ),
        fix="Nothing to do.",
        references=(*_GRANTS, "Open WebUI utils/models.py check_model_access"),
    ),
    CodeInfo(
        code="rbac.access-denied",
        severity=Severity.WARNING,
        summary="the user cannot use or change the item: not the owner, and no grant reaches the user",
        explanation=(
            "Open WebUI 0.12.4 stores resource sharing in the access_grant table (resource_type, "
            "resource_id, principal_type user|group, principal_id or '*', permission read|write). "
            "With no rows a resource is private to its owner (and admins). Access needs ownership or "
            "a row with exactly the permission asked for user:*, the user, or one of the user's "
            "groups. For a model the user cannot read, the model selector leaves it out and chat "
            "answers 403 'Model not found'; a knowledge base or tool answers 401. Admins with "
            "BYPASS_ADMIN_ACCESS_CONTROL=false go through the same grants for models."
        ),
        fix="Share the resource with the user or a group of the user (Workspace > Models / Knowledge / "
            "Tools > the item > Access, or Admin Panel > Settings > Models for a base model).",
        references=_GRANTS,
    ),
    CodeInfo(
        code="rbac.write-without-read",
        severity=Severity.WARNING,
        summary="the user has a write grant but no read grant: in 0.12.4 write does not include read",
        explanation=(
            "AccessGrants.has_access compares the permission exactly, so a group or user given only "
            "'write' on a model cannot use it in chat (the model selector leaves it out, chat answers "
            "403 'Model not found'), and a knowledge base or tool answers 401 when opened, although "
            "the same user may edit it. The access form normally stores both rows; a write-only "
            "row comes from the API or from an edited database."
        ),
        fix="Add the read grant for the same user or group (the resource's Access form, or the "
            "access_grants list of the API call).",
        references=_GRANTS,
    ),
    CodeInfo(
        code="rbac.base-model-denied",
        severity=Severity.WARNING,
        summary="the user may use the model but not a base model it is built on ('Model not found')",
        explanation=(
            "A workspace model points at a base model (base_model_id). Open WebUI 0.12.4 checks each "
            "step of that chain (has_base_model_access): the user must own it or have a read grant, "
            "and a base model without a row in the model table is admin-only. So a preset shared "
            "with a group is still refused when the base model is not shared as well."
        ),
        fix="Give the user or the group read access to the base model too (Admin Panel > Settings > "
            "Models > the base model > Access), or point the preset at a shared base model.",
        references=("Open WebUI utils/access_control/__init__.py has_base_model_access",),
    ),
    CodeInfo(
        code="rbac.model-inactive",
        severity=Severity.WARNING,
        summary="the model is switched off (is_active false): nobody can use it, admins included",
        explanation=(
            "A model row has an on/off toggle (is_active). Open WebUI 0.12.4 leaves an inactive model "
            "out of the models it serves (utils/models.py get_all_models), so it disappears from every "
            "model selector and chat answers 'Model not found', for admins too and whatever the "
            "access grants or BYPASS_MODEL_ACCESS_CONTROL say. It still shows in the workspace, "
            "greyed out."
        ),
        fix="Switch the model on again in Workspace > Models (or Admin Panel > Settings > Models).",
        references=("Open WebUI utils/models.py get_all_models",),
    ),
    CodeInfo(
        code="rbac.resource-not-found",
        severity=Severity.ERROR,
        summary=("no model, knowledge base or tool with that id (a connection's model with no row is "
                 "admin-only)"),
        explanation=(
            "authdoctor found no row with the id given. For a model this is also the state of a "
            "model served by a connection (Ollama, OpenAI) that was never edited in Admin Panel > "
            "Settings > Models: the app treats such a model as admin-only, so users do not see it "
            "and chat answers 403 'Model not found'."
        ),
        fix="Check the id. For a connection's model, set its access in Admin Panel > Settings > "
            "Models (that stores the row and its grants), or set BYPASS_MODEL_ACCESS_CONTROL=true.",
        references=("Open WebUI utils/models.py get_filtered_models, check_model_access",),
    ),
    CodeInfo(
        code="rbac.user-pending",
        severity=Severity.WARNING,
        summary="the user is pending: every request but sign-in answers 401 until an admin activates "
                "the account",
        explanation=(
            "Only the roles 'user' and 'admin' pass get_verified_user; a pending account signs in to "
            "the 'Account Activation Pending' screen and every other request answers 401. No group "
            "or grant helps until the role changes. New accounts are pending when the default user "
            "role (DEFAULT_USER_ROLE, config key ui.default_user_role) is 'pending', the app's "
            "default."
        ),
        fix="Admin Panel > Users > the user > Role: user; to admit new accounts directly, set the "
            "default user role to 'user' (Admin Panel > Settings > General).",
        references=("Open WebUI utils/auth.py get_verified_user",),
    ),
    CodeInfo(
        code="rbac.role-invalid",
        severity=Severity.ERROR,
        summary="the user's role is not pending, user or admin: every request after sign-in answers 401",
        explanation=(
            "Open WebUI 0.12.4 knows exactly the roles 'pending', 'user' and 'admin'. It does not "
            "validate DEFAULT_USER_ROLE, so a value like 'User' or 'member' is given to every new "
            "account, and get_verified_user refuses those accounts on every request after sign-in."
        ),
        fix="Set the user's role to 'user' in Admin Panel > Users, and the default user role to 'user' "
            "or 'pending' (DEFAULT_USER_ROLE / Admin Panel > Settings > General).",
        references=("Open WebUI utils/auth.py VERIFIED_USER_ROLES", "Open WebUI config.py DEFAULT_USER_ROLE"),
    ),
    CodeInfo(
        code="rbac.user-not-found",
        severity=Severity.ERROR,
        summary="no user with that email or id in the database",
        explanation=(
            "authdoctor looked the user up the way the app does at sign-in (email compared lower case) "
            "and by id, and found no row. The account may not exist yet (OAuth, LDAP and trusted-header "
            "accounts are created at their first sign-in), or the database is another instance's."
        ),
        fix="Check the email (or use the id from Admin Panel > Users) and that --database is the "
            "instance the user signs in to.",
        references=("Open WebUI models/users.py get_user_by_email",),
    ),
    CodeInfo(
        code="rbac.database-unreadable",
        severity=Severity.ERROR,
        summary="the database could not be read as Open WebUI 0.12.4's (a missing table, a failed query)",
        explanation=(
            "authdoctor reads the user, group, group_member, config, access_grant and model/knowledge/"
            "tool tables of the 0.12.4 schema. A missing table or column means another version of the "
            "app (access_grant exists since 0.8.0, group parents since 0.12), or not an Open WebUI "
            "database; a query error names the table. Nothing was answered."
        ),
        fix="Point --database at the instance's webui.db (DATA_DIR/webui.db) or DATABASE_URL, and check "
            "its version with `authdoctor db show`.",
        references=("openwebui-db-0.12.4 §3",),
    ),
)
