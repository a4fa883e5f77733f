"""``pacer sync login strava``: OAuth with the user's own Strava API application, the
browser sent back to a loopback address (used by :mod:`pacer.cli.sync`)."""

from __future__ import annotations

import getpass
import sys

from pacer.core.errors import ConfigError
from pacer.storage.credentials import CredentialStore
from pacer.sync.oauth import LoopbackReceiver
from pacer.sync.strava import StravaClient, authorize_url, new_state

#: How long the browser has to come back.
LOGIN_TIMEOUT_S = 300.0


def login_strava(store: CredentialStore, client_id: str | None, port: int) -> int:
    print(
        "Strava: use your own API application (strava.com/settings/api); set its "
        "Authorization Callback Domain to 127.0.0.1.",
        file=sys.stderr,
    )
    client_id = (client_id or input("client id: ")).strip()
    if not client_id.isdigit():
        raise ConfigError("the Strava client id is a number (strava.com/settings/api)")
    secret = getpass.getpass("client secret (not shown): ").strip()
    if not secret:
        raise ConfigError("no client secret given: nothing stored")
    state = new_state()
    with LoopbackReceiver(port, state) as receiver:
        url = authorize_url(store.strava_url(), client_id, receiver.redirect_uri, state)
        print(f"open this address to allow pacer to upload your runs:\n  {url}", flush=True)
        try:
            import webbrowser

            webbrowser.open(url)
        except Exception:  # no browser here: the printed address is enough
            pass
        code = receiver.wait(LOGIN_TIMEOUT_S)
    client = StravaClient(store, store.strava_url())
    try:
        client.exchange(client_id, secret, code)
    finally:
        client.close()
    print(f"Strava: logged in; tokens stored in {store.path} (owner-only)")
    return 0
