"""Staff notices by e-mail: plain text with a simple HTML part, over SMTP (smtplib).

The password comes only from MINSHENG_SMTP_PASSWORD. A refused recipient or another
permanent (5xx) answer makes the notice dead at once; a server that is down, slow or answers
4xx is retried by the outbox with growing waits.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from minsheng.config.schema import SmtpCfg
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery
from minsheng.services.messaging.delivery_claims import Outgoing
from minsheng.services.messaging.staff_notices import render_for


class SmtpSender:
    """A delivery sender for the "staff_email" channel; one connection per message."""

    def __init__(self, app: App, cfg: SmtpCfg, password: str | None = None) -> None:
        self._app = app
        self._cfg = cfg
        self._password = password

    def send(self, recipient: str, text: str, buttons: delivery.Buttons) -> None:
        raise delivery.RejectedMessage("staff e-mail is rendered from its whole row")

    def send_message(self, message: Outgoing) -> None:
        rendered = render_for(self._app.settings, message)
        mail = EmailMessage()
        mail["From"] = self._cfg.sender
        mail["To"] = message.recipient
        mail["Subject"] = rendered.subject
        mail["Date"] = formatdate(localtime=False)
        # One id per outbox row: a receiving system can drop a repeat sent after a crash.
        mail["Message-ID"] = make_msgid(
            idstring=f"outbox-{message.id}", domain=self._cfg.sender.rsplit("@", 1)[-1]
        )
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        try:
            with smtplib.SMTP(self._cfg.host, self._cfg.port, timeout=self._cfg.timeout_s) as smtp:
                if self._cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._cfg.username:
                    smtp.login(self._cfg.username, self._password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise delivery.RejectedMessage(f"the SMTP server refused {message.recipient}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are the operator's to fix; retrying keeps the notice alive.
            raise RuntimeError(f"SMTP login failed ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise delivery.RejectedMessage(
                    f"the SMTP server refused the message ({exc.smtp_code})"
                ) from exc
            raise RuntimeError(f"SMTP server answered {exc.smtp_code}; will retry") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise RuntimeError(f"SMTP server unreachable ({type(exc).__name__})") from exc


def smtp_sender(app: App) -> SmtpSender | None:
    cfg = app.settings.notify.smtp
    if cfg is None:
        return None
    password = app.settings.smtp_password
    return SmtpSender(app, cfg, password.get_secret_value() if password else None)
