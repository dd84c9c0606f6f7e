/* A stand-in for Windows 10's system icuuc.dll, for building and testing under Wine only.
 *
 * PySide6's Qt6Core.dll imports 20 ucnv_* functions from the icuuc.dll that Windows 10 and 11
 * ship in system32; Wine 8 has no such DLL, so Qt fails to load ("DLL load failed while
 * importing QtWidgets"). Here every converter is "unavailable" (U_FILE_ACCESS_ERROR = 4):
 * Qt then uses its own UTF-8/UTF-16/Latin-1 codecs, which is all the ticket needs.
 * PyInstaller treats system32 DLLs as system DLLs, so this file never enters a build.
 * The export list is the import list of PySide6-Essentials 6.11.3's Qt6Core.dll (pinned in
 * .ci/windows.sh); a Qt that imports more fails loudly at the self-test, never silently.
 */
#include <stdint.h>
#define API __declspec(dllexport)
#define UNAVAILABLE(e) do { if ((e) && *(e) <= 0) *(e) = 4; } while (0)

API void *ucnv_open(const char *name, int *err) { (void)name; UNAVAILABLE(err); return 0; }
API const char *ucnv_getName(const void *conv, int *err) { (void)conv; UNAVAILABLE(err); return 0; }
API const char *ucnv_getStandardName(const char *name, const char *standard, int *err)
{ (void)name; (void)standard; UNAVAILABLE(err); return 0; }
API int32_t ucnv_countAvailable(void) { return 0; }
API const char *ucnv_getAvailableName(int32_t n) { (void)n; return 0; }
API int8_t ucnv_getMaxCharSize(const void *conv) { (void)conv; return 1; }
API int32_t ucnv_toUCountPending(void) { return 0; }
API int32_t ucnv_fromUCountPending(void) { return 0; }
/* Never reached: no converter is ever opened. */
API void ucnv_close(void) {}
API void ucnv_reset(void) {}
API void ucnv_toUnicode(void) {}
API void ucnv_fromUnicode(void) {}
API void ucnv_getToUCallBack(void) {}
API void ucnv_getFromUCallBack(void) {}
API void ucnv_setToUCallBack(void) {}
API void ucnv_setFromUCallBack(void) {}
API void ucnv_cbToUWriteUChars(void) {}
API void ucnv_cbFromUWriteUChars(void) {}
API void UCNV_FROM_U_CALLBACK_SUBSTITUTE(void) {}
API void UCNV_TO_U_CALLBACK_SUBSTITUTE(void) {}
