/** Style sheets are imported for their side effect (Vite bundles them into one file). */
declare module "*.css";
