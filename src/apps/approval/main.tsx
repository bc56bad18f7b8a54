import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../../ui/styles.css";
import "../apps.css";
import { connectApp } from "../connect.js";
import { ApprovalCardView, type CardState, cardFor, REFRESH_MS } from "./Card.js";

const element = document.getElementById("root");
if (element) {
  const root = createRoot(element);
  const render = (state: CardState) =>
    root.render(
      <StrictMode>
        <ApprovalCardView state={state} />
      </StrictMode>,
    );
  render({ phase: "waiting" });
  let refresh: ReturnType<typeof setTimeout> | undefined;
  // While the request waits, it is read again now and then: the card says when the person has decided.
  const show = async (result: Parameters<typeof cardFor>[1]) => {
    clearTimeout(refresh);
    const state = await cardFor(app, result);
    render(state);
    if (state.phase === "card" && state.card.status === "pending")
      refresh = setTimeout(() => void show(result), REFRESH_MS);
  };
  const app = connectApp(
    "odoo-mcp approval card",
    (result) => void show(result),
    (message) => render({ phase: "failed", message }),
  );
}
