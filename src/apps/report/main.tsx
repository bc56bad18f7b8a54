import { type ReactNode, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../../ui/styles.css";
import "../apps.css";
import { t } from "../../ui/text.js";
import { connectApp, errorText, type ToolResult } from "../connect.js";
import { monthlyFigures } from "./months.js";
import { type Monthly, ReportView } from "./ReportView.js";
import { type Report, report } from "./shapes.js";

const element = document.getElementById("root");
if (element) {
  const root = createRoot(element);
  const render = (body: ReactNode) => root.render(<StrictMode>{body}</StrictMode>);
  const problem = (message: string) =>
    render(
      <p className="alert alert-danger app-note" role="alert">
        The report cannot be shown: {t(message, 400)}
      </p>,
    );
  render(<p className="muted app-note">Waiting for the report…</p>);
  const show = async (result: ToolResult) => {
    if (result.isError) return problem("generate_report answered an error; the chat shows it.");
    const parsed = report.safeParse(result.structuredContent);
    if (!parsed.success) return problem("its answer is not a report this view knows.");
    const statement: Report = parsed.data;
    const draw = (monthly: Monthly) => render(<ReportView report={statement} monthly={monthly} />);
    draw({ state: "loading" });
    if (statement.report_type !== "profit_loss") return;
    try {
      draw({
        state: "done",
        months: await monthlyFigures(app, statement.period.start_date, statement.period.end_date),
      });
    } catch (error) {
      draw({ state: "failed", message: errorText(error) });
    }
  };
  const app = connectApp("odoo-mcp report view", (result) => void show(result), problem);
}
