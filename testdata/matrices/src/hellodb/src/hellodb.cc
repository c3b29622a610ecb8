// Placeholder source so the directory looks like a package.
int hellodb_version() { return 120; }
