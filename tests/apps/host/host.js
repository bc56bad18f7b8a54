import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

/**
 * A chat client showing one MCP App, as the ext-apps host side does it: the app's HTML in a sandboxed frame (scripts
 * only, no origin of its own), the host protocol over postMessage (ext-apps' own AppBridge), the tool's arguments
 * and answer handed over once the app is initialized, and the app's tool calls passed to the test
 * (`hostCallTool`, which asks the real server).
 */
window.showApp = async ({ html, toolInput, toolResult }) => {
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.title = "MCP App";
  document.body.append(frame);
  const bridge = new AppBridge(
    null,
    { name: "odoo-mcp test host", version: "1.0.0" },
    { serverTools: {}, logging: {} },
    { hostContext: { theme: "light", displayMode: "inline" } },
  );
  bridge.oncalltool = (params) => window.hostCallTool(params);
  bridge.onsizechange = ({ height }) => {
    if (height) frame.style.height = `${Math.ceil(height)}px`;
  };
  const initialized = new Promise((resolve) => {
    bridge.oninitialized = resolve;
  });
  // Connected before the app loads: its first message (initialize) must find the bridge listening.
  await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
  frame.srcdoc = html;
  await initialized;
  await bridge.sendToolInput({ arguments: toolInput });
  await bridge.sendToolResult(toolResult);
};
