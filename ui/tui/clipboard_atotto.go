//go:build darwin || windows

package tui

import "github.com/atotto/clipboard"

func systemClipboardExists() bool { return !clipboard.Unsupported }

func systemWrite(s string) error { return clipboard.WriteAll(s) }

func systemRead() (string, error) { return clipboard.ReadAll() }
