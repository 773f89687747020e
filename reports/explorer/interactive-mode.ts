// The explorer is an interactive terminal program: ink switches to a non-interactive mode (no frames until exit)
// when CI or CONTINUOUS_INTEGRATION is set, decided once when ink loads. Entry points call this before loading it.
export function force_interactive_rendering(): void {
  process.env['CI'] = 'false';
  process.env['CONTINUOUS_INTEGRATION'] = 'false';
}
