"""What the pages call: one module per concern, gathered here. Pages import ``core.api`` only.

    uploads   submit a video, follow it, recent uploads          (climbers)
    results   one analysis in words, its media and exports      (climbers, coaches)
    coach     trends over time, two attempts side by side       (coaches)
    admin     queue, failures, retries, health, SLIs, deletion  (admins)
    auth      accounts: first admin, sign-in codes, sessions
    account   one's own account: identity-provider sign-in, coaches, invitations, language, tokens
    charts    plotly figures of a record
    vocab     the choices the forms offer
"""
from core.accounts import SYSTEM
from core.api import charts
from core.api.account import (
    LANGUAGES,
    answer_invite,
    athletes_of,
    coaches_of,
    invitations,
    invite,
    issue_token,
    oidc_user,
    remove_coach,
    set_language,
    withdraw_invite,
)
from core.api.admin import (
    add_user,
    alerts,
    cancel,
    check_detail,
    check_name,
    degraded,
    delete_analysis,
    delete_climber,
    events,
    export_climber,
    failed,
    health_history,
    health_latest,
    link_coach,
    queue_overview,
    rerun_vision,
    retry,
    retry_failed,
    run_health_now,
    set_password,
    set_paused,
    sli,
    users,
)
from core.api.auth import (
    SESSION_COOKIE,
    Role,
    User,
    change_password,
    create_first_admin,
    login_blocked_for,
    needs_first_admin,
    session_user,
    sign_in,
    sign_out,
)
from core.api.coach import WITHIN_SPREAD, aligned_frames, compare, completed_options, option_label, trend
from core.api.results import (
    OtherClimb,
    blob,
    can_delete,
    can_pick,
    climb_analysis,
    delete_mine,
    describe,
    export_csv,
    export_json,
    get,
    jobs,
    localize,
    media,
    moves_read_again,
    other_climbs,
    other_climbs_said,
    owners,
    person_label,
    pick_climb,
    pick_person,
    replay,
    replay_ready,
    replay_start,
    status,
    uploaded_by,
    which_climb_unsure,
    window_said,
)
from core.api.uploads import climbers, recent, settings, submit_ref, submit_upload
from core.api.vocab import (
    ACCEPTED_TYPES,
    ATTEMPT_CHOICES,
    DISCIPLINES,
    GRADES,
    HIGHER_IS_BETTER,
    MOST_SCORE_SPREAD,
    STAGE_LABELS,
)
from core.errors import ErrorCode, PipelineError
from core.i18n import N_, _, date_time, decimal_symbol, ngettext, num, pct, secs
from core.i18n import language as current_language
from core.i18n import normalise as language_of
from core.i18n import set_language as use_language

__all__ = [
    # uploads
    "settings", "submit_upload", "submit_ref", "recent", "climbers",
    # results
    "get", "status", "describe", "jobs", "owners", "media", "blob", "replay_ready", "replay", "export_json", "export_csv",
    "pick_person", "can_pick", "person_label", "can_delete", "delete_mine", "uploaded_by", "window_said",
    "moves_read_again", "replay_start", "other_climbs_said",
    "other_climbs", "OtherClimb", "which_climb_unsure", "pick_climb", "climb_analysis",
    # coach
    "trend", "completed_options", "compare", "aligned_frames", "WITHIN_SPREAD",
    # admin
    "queue_overview", "failed", "degraded", "events", "retry", "retry_failed", "rerun_vision", "cancel", "set_paused",
    "health_latest", "health_history", "check_name", "check_detail", "run_health_now", "sli", "alerts", "export_climber", "delete_analysis",
    "delete_climber", "users", "add_user", "link_coach",
    # auth
    "needs_first_admin", "create_first_admin", "sign_in", "session_user", "sign_out", "login_blocked_for",
    "change_password", "set_password",
    "SESSION_COOKIE", "Role", "User", "SYSTEM",
    # account
    "oidc_user", "invite", "invitations", "answer_invite", "withdraw_invite", "coaches_of", "athletes_of",
    "remove_coach", "set_language", "issue_token", "LANGUAGES",
    # words and numbers in the reader's language
    "_", "N_", "ngettext", "num", "pct", "decimal_symbol", "secs", "date_time", "use_language", "current_language", "language_of",
    "option_label", "localize",
    # charts, vocabulary, errors
    "charts", "DISCIPLINES", "GRADES", "ATTEMPT_CHOICES", "ACCEPTED_TYPES", "HIGHER_IS_BETTER", "STAGE_LABELS", "MOST_SCORE_SPREAD",
    "ErrorCode", "PipelineError",
]
