#!/usr/bin/python3
"""A real SMTP server for the mail tests, on 127.0.0.1 only (aiosmtpd:
Debian's python3-aiosmtpd; run it with /usr/bin/python3).

    smtp_server.py --record DIR --port-file FILE [--cert PEM --key PEM]
                   [--auth USER:PASSWORD] [--reject ADDR ...]
                   [--tempfail-421 K] [--tempfail-451 K] [--drop-after N]
                   [--max-seconds S]

  --record DIR      every accepted message is written to DIR/NNNNNN.eml (the
                    bytes as received) and described by one line of
                    DIR/log.jsonl: {"n", "file", "mail_from", "rcpt_tos",
                    "tls", "auth"}
  --port-file FILE  the port it listens on (chosen by the system) is written
                    there once it accepts connections
  --cert/--key      offer STARTTLS with this certificate and require it
                    before MAIL (530 otherwise)
  --auth U:P        require AUTH (only after STARTTLS) with these
                    credentials
Fault injection (the counters are shared by all connections):
  --reject ADDR     answer RCPT TO for ADDR with 550 5.1.1 (repeatable)
  --tempfail-421 K  answer the first K MAIL commands with 421 and close
  --tempfail-451 K  answer the first K RCPT commands (not rejected ones)
                    with 451 4.7.1 (greylisting)
  --drop-after N    once N messages were accepted, drop the connection on
                    the next DATA without a reply (once) and without keeping
                    the message
  --max-seconds S   exit by itself after S seconds (default 600), so a
                    forgotten server never outlives the test

It listens on 127.0.0.1 and nowhere else.  SIGTERM or SIGINT stop it.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

HOST = "127.0.0.1"  # never anything else


class State:
    def __init__(self, args):
        self.args = args
        self.accepted = 0
        self.tempfail_421 = args.tempfail_421
        self.tempfail_451 = args.tempfail_451
        self.dropped = False
        self.reject = {a.lower() for a in args.reject}
        self.log = open(os.path.join(args.record, "log.jsonl"), "a", encoding="utf-8")


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        st = self.state
        if st.tempfail_421 > 0:
            st.tempfail_421 -= 1
            return "421 4.3.2 Service not available, closing transmission channel"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        st = self.state
        if address.lower() in st.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if st.tempfail_451 > 0:
            st.tempfail_451 -= 1
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        st = self.state
        if (st.args.drop_after is not None and not st.dropped
                and st.accepted >= st.args.drop_after):
            st.dropped = True
            server.transport.abort()  # no reply: the client cannot know
            return "421 4.4.2 dropped"
        st.accepted += 1
        n = st.accepted
        name = "%06d.eml" % n
        path = os.path.join(st.args.record, name)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.replace(path + ".tmp", path)
        st.log.write(json.dumps({
            "n": n, "file": name, "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "auth": (session.auth_data.login.decode()
                     if isinstance(session.auth_data, LoginPassword) else None),
        }) + "\n")
        st.log.flush()
        return "250 2.0.0 Ok: queued as T%06d" % n


class FaultSMTP(SMTP):
    """Closes the connection after a 421, as RFC 5321 says the server does,
    and stays quiet once the connection is gone."""

    async def push(self, status):
        if self.transport is None or self.transport.is_closing():
            return
        await super().push(status)
        if isinstance(status, str) and status.startswith("421"):
            self.transport.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth")
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--tempfail-421", type=int, default=0)
    ap.add_argument("--tempfail-451", type=int, default=0)
    ap.add_argument("--drop-after", type=int)
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    os.makedirs(args.record, exist_ok=True)
    state = State(args)

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return FaultSMTP(
            Handler(state), hostname="localhost", tls_context=tls,
            require_starttls=tls is not None, auth_required=bool(args.auth),
            auth_require_tls=True, authenticator=authenticator, timeout=60,
            loop=loop)

    server = loop.run_until_complete(loop.create_server(factory, host=HOST, port=0))
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.replace(args.port_file + ".tmp", args.port_file)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    loop.call_later(args.max_seconds, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        state.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
