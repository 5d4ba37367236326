# Code-signing hook for the Windows build (packaging/ci/bundles.yml runs it twice: on the PyInstaller
# folder's executables, then on the installer). It signs only when a certificate is configured, so an
# unsigned test build still works; a signed release avoids SmartScreen's "unknown publisher".
#   pwsh packaging/windows/sign.ps1 FILE...
# Needs: SIGN_PFX_BASE64 (the .pfx, base64), SIGN_PFX_PASSWORD, SIGN_TIMESTAMP_URL (the certificate
# authority's RFC 3161 time-stamping service), and signtool (Windows SDK) on PATH.
param([Parameter(ValueFromRemainingArguments = $true)][string[]]$Files)
$ErrorActionPreference = "Stop"
if (-not $env:SIGN_PFX_BASE64) { Write-Host "sign: no certificate configured, left unsigned"; exit 0 }
$pfx = Join-Path $env:RUNNER_TEMP "vfeedback-sign.pfx"
[IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:SIGN_PFX_BASE64))
try {
  foreach ($file in $Files) {
    & signtool sign /f $pfx /p $env:SIGN_PFX_PASSWORD /fd SHA256 /tr $env:SIGN_TIMESTAMP_URL /td SHA256 $file
    if ($LASTEXITCODE -ne 0) { throw "signtool failed on $file" }
  }
} finally { Remove-Item $pfx -Force }
