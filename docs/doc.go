// Package docs holds dbuilder's documentation pages (Markdown, next to this
// file). It has no code; its test checks that README.md and these pages link
// only to files and headings inside the repository, and that README.md
// stays short enough for a newcomer to read to the end.
package docs
