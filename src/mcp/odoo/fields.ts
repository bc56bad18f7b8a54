import type { Odoo } from "./types.js";

/**
 * Which of some fields a model has on this Odoo, asked once per client (`fields_get` of those fields, type only)
 * and kept: where Odoo 20 removed or renamed a field (`ir.attachment.datas`, the expense flow's fields), the
 * product asks Odoo what it has instead of guessing from the version number, so a server that already has the
 * change works whatever its number. Odoo answers only the fields it has of those asked.
 */
const cache = new WeakMap<Odoo, Map<string, Promise<ReadonlySet<string>>>>();

export function fieldsPresent(
  odoo: Odoo,
  model: string,
  fields: readonly string[],
): Promise<ReadonlySet<string>> {
  let asked = cache.get(odoo);
  if (!asked) {
    asked = new Map();
    cache.set(odoo, asked);
  }
  const key = `${model}:${fields.join(",")}`;
  let pending = asked.get(key);
  if (!pending) {
    const question = odoo
      .call<Record<string, unknown>>(
        { model, method: "fields_get", args: { allfields: [...fields], attributes: ["type"] } },
        { idempotent: true },
      )
      .then((described) => new Set(Object.keys(described ?? {}).filter((field) => fields.includes(field))));
    pending = question;
    asked.set(key, question);
    // A failed question is asked again next time.
    question.catch(() => {
      if (asked.get(key) === question) asked.delete(key);
    });
  }
  return pending;
}

/**
 * The `ir.attachment` field that takes a file's content: `datas` (base64) on 17–19; Odoo 20 removed it
 * (odoo/odoo#245916) and takes `raw`, which it reads as base64 text when it comes over RPC (odoo/odoo#247189: every
 * binary field holds base64 in its cache). Built from Odoo's source: no Odoo 20 server has been seen. Null when
 * this Odoo has neither (the caller says what it then cannot attach).
 */
export async function attachmentContentField(odoo: Odoo): Promise<"datas" | "raw" | null> {
  const fields = await fieldsPresent(odoo, "ir.attachment", ["datas", "raw"]);
  if (fields.has("datas")) return "datas";
  if (fields.has("raw")) return "raw";
  return null;
}
