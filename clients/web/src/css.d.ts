/** A stylesheet a module imports for its side effect: esbuild bundles it into dist/main.css. */
declare module "*.css";
