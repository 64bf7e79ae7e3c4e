"""A real SMTP server for the notification tests (aiosmtpd on loopback).

Usage: smtp_sink.py PORT USER PASSWORD FAILURES [SECURITY CERT KEY]
Requires AUTH (PLAIN/LOGIN, allowed without TLS on loopback) when USER is not "-". Answers
451 to the first FAILURES messages, then accepts. Prints each accepted message as one JSON
line: envelope, decoded subject, text parts and attachments (name, type, text), and whether
the session was encrypted. SECURITY is "none" (default), "starttls" (STARTTLS required
before anything else) or "tls" (TLS from the first byte), with the PEM CERT and KEY.
"""

import asyncio
import email
import json
import logging
import ssl
import sys
import warnings
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

# Plain AUTH on loopback is what the test wants; keep aiosmtpd's warnings about it quiet.
warnings.filterwarnings("ignore")
logging.getLogger("mail.log").setLevel(logging.ERROR)

port, user, password, failures = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
security = sys.argv[5] if len(sys.argv) > 5 else "none"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = getattr(auth_data, "login", b"") == user.encode() and \
        getattr(auth_data, "password", b"") == password.encode()
    return AuthResult(success=ok)


class Sink:
    def __init__(self):
        self.failures = failures

    async def handle_DATA(self, server, session, envelope):
        if self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 try again later"
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        parts, files = [], []
        for part in msg.walk():
            if part.is_multipart():
                continue
            name = part.get_filename()
            if name:
                files.append({"name": name, "type": part.get_content_type(),
                              "charset": part.get_content_charset() or "",
                              "text": part.get_content()})
            else:
                parts.append({"type": part.get_content_type(), "text": part.get_content()})
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "message_id": str(msg["message-id"]),
            "authenticated": bool(session.authenticated),
            "encrypted": server.transport.get_extra_info("ssl_object") is not None,
            "parts": parts,
            "files": files,
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
        return "250 OK"


async def main():
    auth = user != "-"
    tls = {}
    if security != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[6], sys.argv[7])
        if security == "starttls":
            tls = {"tls_context": context, "require_starttls": True}
        else:
            tls = {"ssl_context": context}
    controller = Controller(
        Sink(), hostname="127.0.0.1", port=port,
        authenticator=authenticator if auth else None,
        auth_required=auth, auth_require_tls=security == "starttls", **tls,
    )
    controller.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
