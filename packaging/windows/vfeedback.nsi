; vfeedback for Windows: a per-user installer (no administrator rights, nothing outside the user's
; own folders and registry), made with NSIS 3 from PyInstaller's one-folder build:
;   makensis /DVERSION=0.1.0 /DPAYLOAD=..\..\dist\vfeedback /DOUTFILE=..\..\dist\vfeedback-0.1.0-setup.exe vfeedback.nsi
; It installs to %LOCALAPPDATA%\Programs\vfeedback, adds a Start-menu entry, offers vfeedback in
; "Open with" for .mp4 and .mov, and registers an uninstaller that removes the program only: the
; library (recordings, clips, the database) lives in the user's data folder and is never touched.
; The tests compile this script over a dummy payload (tests/test_packaging.py), so it cannot rot.

Unicode true
!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef PAYLOAD
  !error "PAYLOAD must name PyInstaller's dist\vfeedback folder (/DPAYLOAD=...)"
!endif
!ifndef OUTFILE
  !define OUTFILE "vfeedback-${VERSION}-setup.exe"
!endif

!define APP "vfeedback"
!define APP_ID "org.vfeedback.VFeedback"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define PROGID "${APP_ID}.Video"

Name "${APP}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
SetCompressor /SOLID lzma
ShowInstDetails nevershow
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "The vfeedback team"

!include "MUI2.nsh"
!define MUI_FINISHPAGE_RUN "$INSTDIR\vfeedback.exe"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "vfeedback" SecApp
  SectionIn RO
  SetShellVarContext current
  ; A reinstall replaces the program folder whole, so no file of an older version lingers.
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\vfeedback.exe"

  ; Open with vfeedback, for .mp4 and .mov (the user's own classes: no administrator needed).
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "Video for vfeedback"
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\vfeedback.exe,0"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\vfeedback.exe" "%1"'
  WriteRegStr HKCU "Software\Classes\.mp4\OpenWithProgids" "${PROGID}" ""
  WriteRegStr HKCU "Software\Classes\.mov\OpenWithProgids" "${PROGID}" ""
  WriteRegStr HKCU "Software\Classes\Applications\vfeedback.exe\SupportedTypes" ".mp4" ""
  WriteRegStr HKCU "Software\Classes\Applications\vfeedback.exe\SupportedTypes" ".mov" ""
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "The vfeedback team"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\vfeedback.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  ; The program only. The library is in the user's data folder (%LOCALAPPDATA%\vfeedback), with the
  ; families' recordings and the audit record: removing the program must never remove them.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\vfeedback.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  DeleteRegValue HKCU "Software\Classes\.mp4\OpenWithProgids" "${PROGID}"
  DeleteRegValue HKCU "Software\Classes\.mov\OpenWithProgids" "${PROGID}"
  DeleteRegKey HKCU "Software\Classes\Applications\vfeedback.exe"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd
