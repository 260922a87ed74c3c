//! Delivery of the built-in provider's magic links: by SMTP, to an outbox
//! file of JSON lines, or, when neither is configured, to the log so that a
//! developer can click the link.

use std::path::PathBuf;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use crate::domain::EmailAddress;
use crate::settings::{MailSettings, redact_url};

/// One message carrying a magic link.
pub struct Mail<'a> {
    pub to: &'a EmailAddress,
    pub subject: String,
    /// The plain-text body; it contains `link`.
    pub body: String,
    pub link: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid SMTP_URL {url}: {reason}")]
    Config { url: String, reason: String },
    #[error("cannot write the mail outbox {path}: {source}")]
    Outbox {
        path: String,
        source: std::io::Error,
    },
    #[error("SMTP delivery failed: {0}")]
    Smtp(String),
}

pub struct Mailer {
    from: Mailbox,
    outbox: Option<Outbox>,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

struct Outbox {
    path: PathBuf,
    /// Serializes appends so that concurrent messages never interleave.
    lock: Mutex<()>,
}

/// One line of the outbox file.
#[derive(Serialize)]
struct OutboxLine<'a> {
    to: &'a str,
    subject: &'a str,
    link: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    sent_at: OffsetDateTime,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailError> {
        let smtp = match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|error| MailError::Config {
                        url: redact_url(url.expose_secret()),
                        reason: error.to_string(),
                    })?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build();
                Some(transport)
            }
            None => None,
        };

        let outbox = settings.outbox.as_ref().map(|path| Outbox {
            path: path.clone(),
            lock: Mutex::new(()),
        });

        let from = settings
            .from
            .parse()
            .map_err(|error: lettre::address::AddressError| MailError::Config {
                url: settings.from.clone(),
                reason: error.to_string(),
            })?;

        Ok(Mailer { from, outbox, smtp })
    }

    pub async fn send(&self, mail: &Mail<'_>) -> Result<(), MailError> {
        if let Some(outbox) = &self.outbox {
            outbox.append(mail).await?;
        }
        if let Some(smtp) = &self.smtp {
            self.send_smtp(smtp, mail).await?;
        }

        if self.outbox.is_none() && self.smtp.is_none() {
            // Development delivery: neither SMTP_URL nor MAIL_OUTBOX is set,
            // so the log is the only place the link can go.
            tracing::info!(to = %mail.to, link = %mail.link, "{} (open the link to continue)", mail.subject);
        } else {
            tracing::info!(to = %mail.to, subject = %mail.subject, "magic link sent");
        }
        Ok(())
    }

    async fn send_smtp(
        &self,
        smtp: &AsyncSmtpTransport<Tokio1Executor>,
        mail: &Mail<'_>,
    ) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .as_str()
            .parse()
            .map_err(|error: lettre::address::AddressError| MailError::Smtp(error.to_string()))?;

        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|error| MailError::Smtp(error.to_string()))?;

        smtp.send(message)
            .await
            .map_err(|error| MailError::Smtp(error.to_string()))?;
        Ok(())
    }
}

impl Outbox {
    async fn append(&self, mail: &Mail<'_>) -> Result<(), MailError> {
        let line = OutboxLine {
            to: mail.to.as_str(),
            subject: &mail.subject,
            link: &mail.link,
            sent_at: OffsetDateTime::now_utc(),
        };
        let mut bytes = serde_json::to_vec(&line).expect("an outbox line serializes");
        bytes.push(b'\n');

        let error = |source| MailError::Outbox {
            path: self.path.display().to_string(),
            source,
        };

        let _guard = self.lock.lock().await;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(error)?;
        file.write_all(&bytes).await.map_err(error)?;
        file.flush().await.map_err(error)?;
        Ok(())
    }
}
