import { createHash } from "node:crypto";
import { hooks } from "./base-methods.js";
import { missingError, OdooFault, userError, valueError } from "./fault.js";
import { bool, char, define, html, int, json, m2m, m2o, sel, text } from "./fields.js";
import {
  browse,
  convertVals,
  type Database,
  type Env,
  type MethodDef,
  type Model,
  type Rec,
  type Vals,
} from "./orm.js";
import { NONE } from "./rpc.js";

/** A small but valid one-page PDF naming the invoice. */
export function invoicePdf(title: string): Buffer {
  const content = `BT /F1 18 Tf 50 750 Td (${title.replace(/[()\\]/g, "")}) Tj ET\nBT /F1 10 Tf 50 730 Td (odoo-mcp sandbox: not a real Odoo) Tj ET`;
  const objs = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

function decodeBase64Strict(s: string): Buffer {
  const clean = s.replace(/\s+/g, "");
  if (/[^A-Za-z0-9+/=]/.test(clean)) {
    // Python's b64decode discards invalid characters first, then checks padding.
    const kept = clean.replace(/[^A-Za-z0-9+/=]/g, "");
    if (kept.replace(/=+$/, "").length % 4 !== 0 || kept.length % 4 !== 0) {
      throw new OdooFault("binascii.Error", "Incorrect padding", 500);
    }
    return Buffer.from(kept, "base64");
  }
  if (clean.length % 4 !== 0) throw new OdooFault("binascii.Error", "Incorrect padding", 500);
  return Buffer.from(clean, "base64");
}

export function createAttachment(env: Env, vals: Vals): Rec {
  const model = env.db.model("ir.attachment");
  const v = { ...vals };
  let bytes: Buffer | undefined;
  const hasDatas = model.field("datas") !== undefined;
  if (hasDatas && typeof v.datas === "string") bytes = decodeBase64Strict(v.datas);
  if (v.raw instanceof Buffer) bytes = v.raw;
  // `raw` over RPC is text: 17–19 store its characters as they are (ir_attachment.create: `raw.encode()`); Odoo 20,
  // which removed `datas`, reads it as base64 (odoo/odoo#245916, #247189). The second is from Odoo 20's source,
  // not recorded: the sandbox takes it only when told to answer without `datas` (`without` option).
  if (typeof v.raw === "string") bytes = hasDatas ? Buffer.from(v.raw, "utf8") : decodeBase64Strict(v.raw);
  if (hasDatas) delete v.datas; // else refused below as any field the model lacks
  delete v.raw;
  const converted = convertVals(env, model, v, "create");
  return model.insert({
    type: "binary",
    res_field: false,
    mimetype:
      bytes && bytes.subarray(0, 5).toString("latin1") === "%PDF-"
        ? "application/pdf"
        : "application/octet-stream",
    ...converted,
    bytes,
    file_size: bytes?.length ?? 0,
    checksum: bytes ? createHash("sha1").update(bytes).digest("hex") : false,
  });
}

function partnerEmail(env: Env, id: number): string | false {
  const p = env.db.model("res.partner").rec(id);
  return typeof p?.email === "string" && p.email ? p.email : false;
}

/** Delivers outgoing mails now; the SMTP state decides between sent (deleted) and exception. */
export function sendMails(env: Env, mails: Rec[]): void {
  const mailModel = env.db.model("mail.mail");
  const notif = env.db.model("mail.notification");
  for (const m of mails) {
    if (m.state !== "outgoing") continue;
    const notifs = [...notif.records.values()].filter((n) => n.mail_mail_id === m.id);
    if (env.db.smtpUp) {
      env.db.sentMails.push({
        to: ((m.recipient_ids as number[]) ?? []).map((id) => String(partnerEmail(env, id))),
        subject: String(m.subject ?? ""),
        attachments: ((m.attachment_ids as number[]) ?? []).map((id) =>
          String(env.db.model("ir.attachment").rec(id)?.name),
        ),
      });
      for (const n of notifs) {
        n.notification_status = "sent";
        n.failure_type = false;
        // Odoo writes an empty reason on delivery (17, 18 and 19 alike).
        n.failure_reason = "";
        n.mail_mail_id = false;
      }
      if (m.auto_delete) mailModel.records.delete(m.id);
      else m.state = "sent";
    } else {
      m.state = "exception";
      m.failure_reason = "111\nConnection refused";
      for (const n of notifs) {
        n.notification_status = "exception";
        n.failure_type = "mail_smtp";
        n.failure_reason = false;
      }
    }
  }
}

export interface PostOptions {
  subject: string | false;
  body: string;
  partnerIds: number[];
  attachmentIds: number[];
  authorId: number;
  emailFrom: string;
  forceSend: boolean;
}

export function messagePost(
  env: Env,
  model: string,
  resId: number,
  recordName: string,
  opts: PostOptions,
): Rec {
  const msgModel = env.db.model("mail.message");
  const msg = msgModel.insert({
    subject: opts.subject,
    body: opts.body,
    model,
    res_id: resId,
    record_name: recordName,
    message_type: "comment",
    subtype_id: 1,
    author_id: opts.authorId,
    email_from: opts.emailFrom,
    partner_ids: opts.partnerIds,
    attachment_ids: opts.attachmentIds,
  });
  const withEmail = opts.partnerIds.filter((id) => partnerEmail(env, id));
  if (withEmail.length === 0) return msg;
  const mail = env.db.model("mail.mail").insert({
    mail_message_id: msg.id,
    subject: opts.subject || recordName,
    state: "outgoing",
    email_from: opts.emailFrom,
    recipient_ids: withEmail,
    failure_reason: false,
    failure_type: false,
    auto_delete: true,
    scheduled_date: false,
    attachment_ids: opts.attachmentIds,
  });
  const notif = env.db.model("mail.notification");
  for (const pid of withEmail) {
    notif.insert({
      mail_message_id: msg.id,
      res_partner_id: pid,
      notification_type: "email",
      notification_status: "ready",
      failure_type: false,
      failure_reason: env.version === 19 ? "" : false,
      mail_mail_id: mail.id,
      is_read: true,
    });
  }
  if (opts.forceSend) sendMails(env, [mail]);
  return msg;
}

function companyFrom(env: Env): { authorId: number; emailFrom: string } {
  if (env.version === 19) return { authorId: 1, emailFrom: '"My Company" <accounting@example.com>' };
  return { authorId: 3, emailFrom: '"Administrator" <admin@example.com>' };
}

function pdfName(move: Rec): string {
  return `${String(move.name).replace(/\//g, "_")}.pdf`;
}

function ensurePdf(env: Env, move: Rec): Rec {
  const att = env.db.model("ir.attachment");
  const existing =
    typeof move.invoice_pdf_report_id === "number" ? att.rec(move.invoice_pdf_report_id) : undefined;
  if (existing) return existing;
  const pdf = createAttachment(env, {
    name: pdfName(move),
    res_model: "account.move",
    res_id: move.id,
    res_field: "invoice_pdf_report_file",
    mimetype: "application/pdf",
    raw: invoicePdf(String(move.name)),
  });
  move.invoice_pdf_report_id = pdf.id;
  move.message_main_attachment_id = pdf.id;
  return pdf;
}

function defaultSubject(move: Rec): string {
  return `My Company Invoice (Ref ${String(move.name)})`;
}

function defaultBody(env: Env, move: Rec): string {
  const p = env.db.model("res.partner").rec(move.partner_id as number);
  return `<p>Dear ${String(p?.name ?? "")},<br/>Here is your invoice ${String(move.name)} amounting in $ ${Number(move.amount_total).toFixed(2)} from My Company.</p>`;
}

/** Marks sent, makes the PDF and posts the email as Odoo's send wizards do. */
function sendInvoice(
  env: Env,
  move: Rec,
  recipients: number[],
  subject: string | false,
  body: string,
  hasTemplateOrCustom: boolean,
): void {
  const pdf = ensurePdf(env, move);
  move.is_move_sent = true;
  if (recipients.length === 0 && !hasTemplateOrCustom) return;
  if (recipients.length === 0) return;
  const copy = createAttachment(env, {
    name: pdf.name,
    res_model: "mail.message",
    res_id: 0,
    mimetype: "application/pdf",
    raw: pdf.bytes,
  });
  const { authorId, emailFrom } = companyFrom(env);
  const msg = messagePost(env, "account.move", move.id, String(move.name), {
    subject,
    body,
    partnerIds: recipients,
    attachmentIds: [copy.id],
    authorId,
    emailFrom,
    forceSend: env.context.mail_notify_force_send !== false,
  });
  copy.res_id = msg.id;
}

function defineSendWizard(db: Database): void {
  const v = db.version;
  const moves = () => db.model("account.move");
  const k =
    v === 19
      ? { subject: "subject", body: "body", template: "template_id", lang: "lang" }
      : { subject: "mail_subject", body: "mail_body", template: "mail_template_id", lang: "mail_lang" };
  const wizard = define(
    db,
    "account.move.send.wizard",
    {
      move_id: m2o("account.move", "Move"),
      sending_methods: json("Sending Methods"),
      mail_partner_ids: m2m("res.partner", "To"),
      [k.subject]: char("Subject"),
      [k.body]: html("Contents"),
      [k.template]: m2o("mail.template", "Email template"),
      [k.lang]: char("Lang"),
      pdf_report_id: m2o("ir.actions.report", "Invoice report"),
      alerts: json("Alerts", { compute: () => false }),
      mail_attachments_widget: json("Mail Attachments Widget", {
        compute: (r, env) => {
          const m = env.db.model("account.move").rec(r.move_id as number);
          if (!m) return [];
          const name = pdfName(m);
          return [{ id: `placeholder_${name}`, name, mimetype: "application/pdf", placeholder: true }];
        },
      }),
      invoice_edi_format: sel("E-invoice format", [], { compute: () => false }),
      custom: bool("Custom"),
    },
    { transient: true },
    {
      action_send_and_print: {
        kind: "records",
        params: [{ name: "allow_fallback_pdf" }],
        fn: ({ env, model, ids }) => {
          for (const w of browse(model, ids)) {
            const move = moves().rec(w.move_id as number);
            if (!move) continue;
            sendInvoice(
              env,
              move,
              (w.mail_partner_ids as number[]) ?? [],
              (w[k.subject] as string) || false,
              String(w[k.body] ?? ""),
              true,
            );
          }
          return { type: "ir.actions.act_window_close" };
        },
      },
    },
  );
  if (v === 17) db.models.delete("account.move.send.wizard");
  hooks.set(wizard, {
    create: (env, model, vals) => {
      const ids = Array.isArray(env.context.active_ids) ? (env.context.active_ids as number[]) : [];
      if (ids.length === 0) throw new OdooFault("builtins.IndexError", "list index out of range", 500);
      const move = browse(moves(), [ids[0] as number])[0] as Rec;
      if (move.state !== "posted") {
        // Odoo checks after the INSERT: the failed wizard still consumes its id.
        model.nextId++;
        throw userError("You can't generate invoices that are not posted.");
      }
      const custom = k.subject in vals || k.body in vals;
      const partnerEmailOk = typeof move.partner_id === "number" && partnerEmail(env, move.partner_id);
      const defaultPartners = partnerEmailOk ? [move.partner_id as number] : [];
      const partners = v === 18 && custom ? [] : defaultPartners;
      const converted = convertVals(
        env,
        model,
        Object.fromEntries(Object.entries(vals).filter(([key]) => key !== "mail_partner_ids")),
        "create",
      );
      const rec = model.insert({
        move_id: move.id,
        sending_methods: ["email"],
        mail_partner_ids: partners,
        [k.subject]: defaultSubject(move),
        [k.body]: defaultBody(env, move),
        [k.template]: TEMPLATE_ID[v],
        [k.lang]: "en_US",
        pdf_report_id: PDF_REPORT_ID[v] ?? false,
        ...converted,
      });
      if (vals.mail_partner_ids !== undefined) {
        const f = model.field("mail_partner_ids");
        if (f) {
          rec.mail_partner_ids = [];
          const cmds = vals.mail_partner_ids;
          const list = Array.isArray(cmds) ? cmds : [];
          for (const c of list)
            if (Array.isArray(c) && c[0] === 6) rec.mail_partner_ids = [...(c[2] as number[])];
        }
      }
      return rec;
    },
  });
}

/** Recorded ids of the "Invoice: Sending" template and of the invoice PDF report. */
const TEMPLATE_ID: Record<number, number> = { 17: 7, 18: 7, 19: 8 };
const PDF_REPORT_ID: Record<number, number> = { 17: 218, 18: 220, 19: 218 };

function defineSend17(db: Database): void {
  const moves = () => db.model("account.move");
  const wizard = define(
    db,
    "account.move.send",
    {
      move_ids: m2m("account.move", "Move"),
      mode: sel("Mode", [
        ["invoice_single", "Invoice Single"],
        ["invoice_multi", "Invoice Multi"],
      ]),
      checkbox_send_mail: bool("Email"),
      checkbox_download: bool("Download"),
      enable_send_mail: bool("Enable Send Mail", { compute: () => true }),
      enable_download: bool("Enable Download", { compute: () => true }),
      send_mail_readonly: bool("Send Mail Readonly"),
      send_mail_warning_message: json("Send Mail Warning Message"),
      display_mail_composer: bool("Display Mail Composer", { compute: (r) => r.mode === "invoice_single" }),
      mail_template_id: m2o("mail.template", "Email template"),
      mail_lang: char("Lang"),
      mail_partner_ids: m2m("res.partner", "Recipients"),
      mail_subject: char("Subject"),
      mail_body: html("Contents"),
      mail_attachments_widget: json("Mail Attachments Widget", {
        compute: (r, env) => {
          const id = ((r.move_ids as number[]) ?? [])[0];
          const m = id === undefined ? undefined : env.db.model("account.move").rec(id);
          if (!m || !r.mail_template_id) return false;
          const name = pdfName(m);
          return [{ id: `placeholder_${name}`, name, mimetype: "application/pdf", placeholder: true }];
        },
      }),
    },
    { transient: true },
    {
      action_send_and_print: {
        kind: "records",
        params: [{ name: "force_synchronous" }, { name: "allow_fallback_pdf" }],
        fn: ({ env, model, ids }) => {
          let pdfId = 0;
          let download = false;
          for (const w of browse(model, ids)) {
            const moveIds = (w.move_ids as number[]) ?? [];
            if (moveIds.length === 0) {
              return {
                type: "ir.actions.client",
                tag: "display_notification",
                params: {
                  type: "info",
                  title: "Sending invoices",
                  message: "Invoices are being sent in the background.",
                  next: { type: "ir.actions.act_window_close" },
                },
              };
            }
            download = Boolean(w.checkbox_download);
            for (const id of moveIds) {
              const move = moves().rec(id);
              if (!move) continue;
              if (!w.checkbox_send_mail) {
                pdfId = ensurePdf(env, move).id;
                move.is_move_sent = true;
                continue;
              }
              let recipients = (w.mail_partner_ids as number[]) ?? [];
              if (recipients.length === 0)
                recipients = ((move.message_partner_ids as number[]) ?? []).slice();
              const subject = (w.mail_subject as string) || String(move.name);
              const body = w.mail_template_id || w.mail_body ? String(w.mail_body ?? "") : "None";
              sendInvoice(env, move, recipients, subject, body, true);
              pdfId = Number(move.invoice_pdf_report_id);
            }
          }
          if (download && pdfId)
            return { type: "ir.actions.act_url", url: `/web/content/${pdfId}?download=true`, close: true };
          return { type: "ir.actions.act_window_close" };
        },
      },
    },
  );
  hooks.set(wizard, {
    create: (env, model, vals) => {
      const ids = Array.isArray(env.context.active_ids) ? (env.context.active_ids as number[]) : [];
      const list = browse(moves(), ids);
      if (list.some((m) => m.state !== "posted"))
        throw userError("You can't Send & Print invoice(s) in draft state.");
      const move = list[0];
      const template = env.context.default_mail_template_id ?? false;
      const hasEmail = move && typeof move.partner_id === "number" && partnerEmail(env, move.partner_id);
      const single = list.length === 1;
      const converted = convertVals(
        env,
        model,
        Object.fromEntries(Object.entries(vals).filter(([key]) => key !== "mail_partner_ids")),
        "create",
      );
      return model.insert({
        move_ids: ids,
        mode: single ? "invoice_single" : "invoice_multi",
        checkbox_send_mail: Boolean(single && hasEmail),
        checkbox_download: single,
        send_mail_readonly: Boolean(single && !hasEmail),
        send_mail_warning_message:
          single && !hasEmail
            ? {
                partner_missing_email: {
                  message: "Partner(s) should have an email address.",
                  action_text: "View Partner(s)",
                  action: {},
                },
              }
            : false,
        mail_template_id: template,
        mail_lang: template ? "en_US" : false,
        mail_partner_ids: template && hasEmail && move ? [move.partner_id] : [],
        mail_subject: template && move ? defaultSubject(move) : false,
        mail_body: template && move ? defaultBody(env, move) : false,
        ...converted,
      });
    },
  });
  const moveModel = moves();
  moveModel.methods.set("action_send_and_print", {
    kind: "records",
    params: [],
    fn: ({ ids }) => ({
      name: "Send",
      type: "ir.actions.act_window",
      view_type: "form",
      view_mode: "form",
      res_model: "account.move.send",
      target: "new",
      context: { active_ids: ids, default_mail_template_id: 7 },
    }),
  });
}

export function defineMail(db: Database): void {
  const v = db.version;
  const attachment = define(
    db,
    "ir.attachment",
    {
      name: char("Name"),
      datas: {
        type: "binary",
        string: "File Content (base64)",
        compute: (r) => (r.bytes instanceof Buffer ? r.bytes.toString("base64") : false),
      },
      // Listed by fields_get on 17–19 as on 20. Read back as text on 19 (seen on the lab: JSON-2 `read` of a `raw`
      // written as "aGVsbG8=" answered "aGVsbG8="); as base64 where `datas` is gone, as 20 serialises it
      // (odoo/odoo#238171, from source, not recorded).
      raw: {
        type: "binary",
        string: "File Content (raw)",
        compute: (r) =>
          r.bytes instanceof Buffer
            ? r.bytes.toString(db.model("ir.attachment").field("datas") ? "utf8" : "base64")
            : false,
      },
      mimetype: char("Mime Type"),
      file_size: int("File Size"),
      checksum: char("Checksum/SHA1"),
      res_model: char("Resource Model"),
      res_id: { type: "many2one", relation: "", string: "Resource ID", compute: (r) => r.res_id ?? 0 },
      res_field: char("Resource Field"),
      type: sel("Type", [
        ["url", "URL"],
        ["binary", "File"],
      ]),
      description: text("Description"),
    },
    { order: "id desc" },
  );
  const resIdField = attachment.field("res_id");
  if (resIdField) {
    resIdField.type = "integer";
    delete resIdField.relation;
  }
  attachment.nextId = 100;
  hooks.set(attachment, { create: (env, _model, vals) => createAttachment(env, vals) });

  define(db, "mail.template", { name: char("Name"), model: char("Model") });
  const template = db.model("mail.template");
  template.records.set(TEMPLATE_ID[v] ?? 8, {
    id: TEMPLATE_ID[v] ?? 8,
    name: "Invoice: Sending",
    model: "account.move",
  });
  const reportId = PDF_REPORT_ID[v] ?? 218;
  define(db, "ir.actions.report", { name: char("Name") }).records.set(reportId, {
    id: reportId,
    name: "Invoice PDF",
  });
  const subtypes = define(db, "mail.message.subtype", {
    name: char("Name"),
    internal: bool("Internal Only"),
    // A model's own subtypes (the invoice's "Paid", say) name it; mt_comment and mt_note name none.
    res_model: char("Model"),
  });
  subtypes.records.set(1, { id: 1, name: "Discussions", internal: false });
  subtypes.records.set(2, { id: 2, name: "Note", internal: true });
  define(
    db,
    "mail.message",
    {
      subject: char("Subject"),
      body: html("Contents"),
      model: char("Related Document Model"),
      res_id: int("Related Document ID"),
      record_name: char("Message Record Name"),
      date: { type: "datetime", string: "Date", compute: (r) => r.create_date ?? false },
      message_type: sel("Type", [
        ["email", "Incoming Email"],
        ["comment", "Comment"],
        ["email_outgoing", "Outgoing Email"],
        ["notification", "System notification"],
        ["auto_comment", "Automated Targeted Notification"],
        ["user_notification", "User Specific Notification"],
      ]),
      subtype_id: m2o("mail.message.subtype", "Subtype"),
      // Notes read false too (recording 23): their subtype says they are internal, not this flag.
      is_internal: bool("Employee Only"),
      author_id: m2o("res.partner", "Author"),
      email_from: char("From"),
      partner_ids: m2m("res.partner", "Recipients"),
      attachment_ids: m2m("ir.attachment", "Attachments"),
      notification_ids: {
        type: "one2many",
        relation: "mail.notification",
        inverse: "mail_message_id",
        string: "Notifications",
      },
    },
    { order: "id desc" },
  ).nextId = 100;
  define(db, "mail.notification", {
    mail_message_id: m2o("mail.message", "Message"),
    res_partner_id: m2o("res.partner", "Recipient"),
    notification_type: sel("Notification Type", [
      ["inbox", "Inbox"],
      ["email", "Email"],
    ]),
    notification_status: sel("Status", [
      ["ready", "Ready to Send"],
      ["process", "Processing"],
      ["pending", "Sent"],
      ["sent", "Delivered"],
      ["bounce", "Bounced"],
      ["exception", "Exception"],
      ["canceled", "Cancelled"],
    ]),
    failure_type: sel("Failure type", [
      ["unknown", "Unknown error"],
      ["mail_smtp", "Connection failed (outgoing mail server problem)"],
    ]),
    failure_reason: text("Failure reason"),
    mail_mail_id: m2o("mail.mail", "Mail"),
    is_read: bool("Is Read"),
  });
  const mailModel = define(
    db,
    "mail.mail",
    {
      mail_message_id: m2o("mail.message", "Message"),
      subject: char("Subject"),
      state: sel("Status", [
        ["outgoing", "Outgoing"],
        ["sent", "Sent"],
        ["received", "Received"],
        ["exception", "Delivery Failed"],
        ["cancel", "Cancelled"],
      ]),
      email_from: char("From"),
      email_to: text("To"),
      recipient_ids: m2m("res.partner", "To (Partners)"),
      failure_reason: text("Failure Reason"),
      failure_type: sel("Failure type", [["mail_smtp", "Connection failed (outgoing mail server problem)"]]),
      auto_delete: bool("Auto Delete"),
      scheduled_date: char("Scheduled Send Date"),
      attachment_ids: m2m("ir.attachment", "Attachments"),
    },
    { displayName: (r) => (typeof r.subject === "string" ? r.subject : false) },
    {
      send: {
        kind: "records",
        params: [{ name: "auto_commit" }, { name: "raise_exception" }, { name: "post_send_callback" }],
        fn: ({ env, model, ids }) => {
          sendMails(
            env,
            ids.map((id) => model.rec(id)).filter((r): r is Rec => !!r),
          );
          return NONE;
        },
      },
      mark_outgoing: {
        kind: "records",
        params: [],
        fn: ({ model, ids }) => {
          for (const r of browse(model, ids)) {
            r.state = "outgoing";
            r.failure_reason = false;
          }
          return true;
        },
      },
      process_email_queue: {
        kind: "model",
        params: [{ name: "ids" }, { name: "batch_size" }],
        fn: ({ env, model }) => {
          sendMails(
            env,
            [...model.records.values()].filter((r) => r.state === "outgoing"),
          );
          return NONE;
        },
      },
    },
  );
  void mailModel;
  void ({} as Model);
  if (v === 17) defineSend17(db);
  else defineSendWizard(db);
  if (v === 19) defineComposer(db);
}

/**
 * `mail.compose.message` in comment mode as send_reminder uses it on 19 (odoo-recordings/19/21-reminders): one
 * record of `model` (`res_ids` is a text list), `partner_ids` notified by email, `attachment_ids` (the invoices'
 * own PDFs, which stay theirs) on the message; `action_send_mail` sends at once and closes the window. The author is
 * the user ("Administrator", partner 3), as the email's From showed.
 */
function defineComposer(db: Database): void {
  define(
    db,
    "mail.compose.message",
    {
      composition_mode: sel("Composition mode", [
        ["comment", "Post on a document"],
        ["mass_mail", "Email Mass Mailing"],
      ]),
      model: char("Related Document Model"),
      res_ids: text("Related Document IDs"),
      partner_ids: m2m("res.partner", "Additional Contacts"),
      subject: char("Subject"),
      body: html("Contents"),
      attachment_ids: m2m("ir.attachment", "Attachments"),
      template_id: m2o("mail.template", "Use template"),
    },
    { transient: true },
    {
      action_send_mail: {
        kind: "records",
        params: [],
        fn: ({ env, model, ids }) => {
          for (const composer of browse(model, ids)) {
            const target = env.db.model(String(composer.model));
            const resIds = JSON.parse(String(composer.res_ids || "[]")) as number[];
            for (const resId of resIds) {
              const record = target.rec(resId);
              if (!record) throw missingError(String(composer.model), [resId]);
              messagePost(env, target.name, resId, String(record.name ?? ""), {
                subject: typeof composer.subject === "string" ? composer.subject : false,
                body: String(composer.body ?? ""),
                partnerIds: (composer.partner_ids as number[]) ?? [],
                // Read back in ir.attachment's order (id desc), as the recording shows them.
                attachmentIds: [...((composer.attachment_ids as number[]) ?? [])].sort((a, b) => b - a),
                authorId: 3,
                emailFrom: '"Administrator" <admin@example.com>',
                forceSend: env.context.mail_notify_force_send !== false,
              });
            }
          }
          return { type: "ir.actions.act_window_close" };
        },
      },
    },
  );
}

/** Odoo's subtype xmlids the sandbox knows (mail.mt_comment is record 1, mail.mt_note record 2, as in Odoo). */
const SUBTYPE_IDS: Record<string, number> = { "mail.mt_comment": 1, "mail.mt_note": 2 };

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * `mail.thread.message_post` over RPC (keyword arguments only; `@api.returns('mail.message')`: the answer is the
 * message id). One record (`ensure_one`). A body received over RPC is a plain string, not Markup: Odoo escapes
 * it, and the stored HTML is that text in a paragraph. Recipients get a `mail.notification` and a `mail.mail`
 * as in `messagePost`; an internal note (`subtype_xmlid="mail.mt_note"`) without recipients notifies nobody.
 */
function messagePostMethod(modelName: string): MethodDef {
  return {
    kind: "records",
    owner: "MailThread.message_post",
    params: [
      { name: "body" },
      { name: "subject" },
      { name: "message_type" },
      { name: "email_from" },
      { name: "author_id" },
      { name: "parent_id" },
      { name: "subtype_xmlid" },
      { name: "subtype_id" },
      { name: "partner_ids" },
      { name: "attachments" },
      { name: "attachment_ids" },
      { name: "body_is_html" },
    ],
    fn: ({ env, model, ids, args }) => {
      if (ids.length !== 1)
        throw valueError(`Expected singleton: ${modelName}(${ids.join(", ")}${ids.length === 1 ? "," : ""})`);
      const record = model.rec(ids[0] as number);
      if (!record) throw missingError(modelName, ids);
      const raw = typeof args.body === "string" ? args.body : "";
      const body =
        args.body_is_html === true
          ? raw
          : raw === ""
            ? ""
            : `<p>${escapeHtml(raw).replace(/\n/g, "<br>")}</p>`;
      const xmlid = typeof args.subtype_xmlid === "string" ? args.subtype_xmlid : null;
      const subtypeId =
        typeof args.subtype_id === "number" ? args.subtype_id : xmlid ? (SUBTYPE_IDS[xmlid] ?? false) : false;
      const partnerIds = Array.isArray(args.partner_ids) ? (args.partner_ids as number[]) : [];
      const { authorId, emailFrom } = companyFrom(env);
      const recordName = typeof record.name === "string" ? record.name : String(record.display_name ?? "");
      const msg = messagePost(env, modelName, record.id, recordName, {
        subject: typeof args.subject === "string" ? args.subject : false,
        body,
        partnerIds,
        attachmentIds: Array.isArray(args.attachment_ids) ? (args.attachment_ids as number[]) : [],
        authorId: typeof args.author_id === "number" ? args.author_id : authorId,
        emailFrom: typeof args.email_from === "string" ? args.email_from : emailFrom,
        forceSend: env.context.mail_notify_force_send !== false,
      });
      msg.message_type = typeof args.message_type === "string" ? args.message_type : "notification";
      msg.subtype_id = subtypeId;
      // 19 answers the new message as a recordset, `[id]` (odoo-recordings/19/20-reconcile-*, 21-reminders).
      return env.version === 19 ? [msg.id] : msg.id;
    },
  };
}

/** `message_post` on the mail.thread models the product posts notes on. */
export function defineMessagePost(db: Database, models: readonly string[]): void {
  for (const name of models) db.model(name).methods.set("message_post", messagePostMethod(name));
}
