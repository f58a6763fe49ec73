"""Builds real mail files with Python's email package, for the tests.

mkmail.py eml OUT T0..T7   one message: a QP body whose soft line break
                           falls inside T0, an HTML alternative in base64
                           (T1), a zip attachment holding .env (T2), an
                           ISO-8859-1 part (T3), T4 in an RFC 2047 subject,
                           a UTF-16 part (T5), a notebook attachment (T6),
                           T7 in an X- header.
mkmail.py mbox OUT T0..T2  three messages, one token each.
mkmail.py targz OUT T0     a .eml holding T0 inside a tar.gz.
"""
import io
import json
import mailbox
import sys
import tarfile
import zipfile
from email.message import EmailMessage
from email.mime.text import MIMEText


def eml(t):
    msg = EmailMessage()
    msg["From"] = "Alice Example <alice@example.com>"
    msg["To"] = "bob@example.com"
    msg["Subject"] = "Schl\u00fcssel " + t[4]
    msg["Date"] = "Tue, 05 Mar 2024 10:11:12 +0100"
    msg["Message-ID"] = "<m1.4711@example.com>"
    msg["X-Deploy-Token"] = t[7]
    # A line longer than 76 columns: the soft line break is inside T0.
    msg.set_content("hello\n" + "a" * 59 + " " + t[0] + " end\n", cte="quoted-printable")
    msg.add_alternative("<p>token " + t[1] + "</p>\n", subtype="html", cte="base64")
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(".env", "HF_TOKEN=" + t[2] + "\n")
    msg.add_attachment(z.getvalue(), maintype="application", subtype="zip", filename="creds.zip")
    msg.add_attachment("Gr\u00fc\u00dfe " + t[3] + "\n", subtype="plain", charset="iso-8859-1",
                       cte="quoted-printable", disposition="inline")
    msg.attach(MIMEText("token " + t[5] + "\n", "plain", "utf-16"))
    nb = {"cells": [{"cell_type": "code", "source": ["login('" + t[6] + "')\n"], "metadata": {}, "outputs": []}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    msg.add_attachment(json.dumps(nb).encode(), maintype="application", subtype="x-ipynb+json",
                       filename="analysis.ipynb")
    return msg


def simple(i, tok, date):
    msg = EmailMessage()
    msg["From"] = "ops%d@example.com" % i
    msg["To"] = "team@example.com"
    msg["Subject"] = "message %d" % i
    msg["Date"] = date
    msg["Message-ID"] = "<mbox.%d@example.com>" % i
    msg.set_content("From the runner:\nHF_TOKEN=" + tok + "\n")
    return msg


def main():
    mode, out, toks = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode == "eml":
        with open(out, "wb") as f:
            f.write(eml(toks).as_bytes())
    elif mode == "mbox":
        box = mailbox.mbox(out)
        dates = ["Mon, 04 Mar 2024 09:00:00 +0000", "Sat, 02 Mar 2024 08:00:00 +0000", "Wed, 06 Mar 2024 07:00:00 +0000"]
        for i, tok in enumerate(toks):
            box.add(simple(i + 1, tok, dates[i]))
        box.flush()
        box.close()
    elif mode == "targz":
        data = simple(1, toks[0], "Fri, 01 Mar 2024 12:00:00 +0000").as_bytes()
        with tarfile.open(out, "w:gz") as tf:
            ti = tarfile.TarInfo("mail/inbox/1.eml")
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    else:
        sys.exit("unknown mode " + mode)


main()
