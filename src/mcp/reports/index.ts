export {
  type GenerateReportInput,
  type GenerateReportOptions,
  type GenerateReportOutput,
  generateReport,
  isReportType,
} from "./generate.js";
export { renderReportPdf, writeReportPdf } from "./pdf.js";
export { REPORT_TITLES, REPORT_TYPES, type ReportType } from "./types.js";
