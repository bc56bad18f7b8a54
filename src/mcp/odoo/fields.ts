import type { Odoo } from "./types.js";

/**
 * Which fields a model has on this Odoo, asked once per client (`fields_get`, type only) and kept: where Odoo 20
 * removed or renamed a field (`ir.attachment.datas`, the expense flow's fields), the product asks Odoo what it has
 * instead of guessing from the version number, so a server that already has the change works whatever its number.
 */
const cache = new WeakMap<Odoo, Map<string, Promise<ReadonlySet<string>>>>();

export function modelFields(odoo: Odoo, model: string): Promise<ReadonlySet<string>> {
  let models = cache.get(odoo);
  if (!models) {
    models = new Map();
    cache.set(odoo, models);
  }
  let pending = models.get(model);
  if (!pending) {
    pending = odoo
      .call<Record<string, unknown>>(
        { model, method: "fields_get", args: { attributes: ["type"] } },
        { idempotent: true },
      )
      .then((described) => new Set(Object.keys(described ?? {})));
    const asked = pending;
    models.set(model, asked);
    asked.catch(() => {
      if (models.get(model) === asked) models.delete(model);
    });
  }
  return pending;
}
