import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../../ui/styles.css";
import "../apps.css";
import { connectApp } from "../connect.js";
import { ApprovalCardView, type CardState, cardFor } from "./Card.js";

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
  const app = connectApp(
    "odoo-mcp approval card",
    (result) => void cardFor(app, result).then(render),
    (message) => render({ phase: "failed", message }),
  );
}
