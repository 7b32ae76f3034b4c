//! The console's languages: English, French, Spanish and Arabic (INTERPOL's
//! working languages), Arabic laid out right to left. A visitor's choice is
//! a cookie (`tocsin_lang`), else the browser's `Accept-Language`, else
//! English. Only the console's own words are translated: names and other
//! data are always shown as stored, in their own script and direction.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;

/// The cookie that keeps a visitor's language.
pub(crate) const COOKIE_NAME: &str = "tocsin_lang";

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    #[default]
    En,
    Fr,
    Es,
    Ar,
}

impl Lang {
    /// Every language, in the order the chooser lists them.
    pub(crate) const ALL: [Lang; 4] = [Lang::En, Lang::Fr, Lang::Es, Lang::Ar];

    /// Its BCP 47 code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Ar => "ar",
        }
    }

    /// Its name, in itself.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Ar => "العربية",
        }
    }

    /// The direction of its script.
    pub(crate) fn dir(self) -> &'static str {
        if self == Lang::Ar { "rtl" } else { "ltr" }
    }

    /// The language a code names.
    pub(crate) fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// A request's language: its cookie, else the first of its
    /// `Accept-Language` the console speaks, else English.
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        let cookie = crate::session::cookie(headers, COOKIE_NAME).and_then(|v| Lang::parse(&v));
        let accepted = || {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').find_map(|part| Lang::parse(part.split(';').next().unwrap_or_default())))
        };
        cookie.or_else(accepted).unwrap_or_default()
    }

    /// The console's words `en` in this language (`en` itself where the
    /// table has no entry).
    pub(crate) fn t(self, en: &'static str) -> &'static str {
        let column = match self {
            Lang::En => return en,
            Lang::Fr => 0,
            Lang::Es => 1,
            Lang::Ar => 2,
        };
        WORDS.iter().find(|(k, _)| *k == en).map_or(en, |(_, t)| t[column])
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang::of(&parts.headers))
    }
}

/// English, then French, Spanish and Arabic.
const WORDS: &[(&str, [&str; 3])] = &[
    ("Pick agencies", ["Choisir les services", "Elegir organismos", "اختيار الأجهزة"]),
    (
        "Public extract (preview)",
        ["Extrait public (aperçu)", "Extracto público (vista previa)", "المستخرج العام (معاينة)"],
    ),
    (
        "What the public sees once the notice is published and its owner makes it public; nothing else of the notice or the record.",
        [
            "Ce que le public voit une fois la notice publiée et rendue publique par son propriétaire ; rien d'autre de la notice ni de la fiche.",
            "Lo que ve el público una vez publicada la notificación y hecha pública por su propietario; nada más de la notificación ni del registro.",
            "ما يراه الجمهور بعد نشر النشرة وجعلها علنية من قبل مالكها؛ ولا شيء آخر من النشرة أو السجل.",
        ],
    ),
    ("public", ["publique", "pública", "علنية"]),
    ("not public yet", ["pas encore publique", "aún no pública", "ليست علنية بعد"]),
    (
        "No public extract: the notice concerns no active person of its owner that you may see.",
        [
            "Pas d'extrait public : la notice ne concerne aucune personne active de son propriétaire que vous pouvez voir.",
            "Sin extracto público: la notificación no se refiere a ninguna persona activa de su propietario que usted pueda ver.",
            "لا يوجد مستخرج عام: لا تتعلق النشرة بأي شخص نشط لدى مالكها يمكنك رؤيته.",
        ],
    ),
    ("Tokens and users", ["Jetons et utilisateurs", "Tokens y usuarios", "الرموز والمستخدمون"]),
    ("Tokens", ["Jetons", "Tokens", "الرموز"]),
    ("New token", ["Nouveau jeton", "Nuevo token", "رمز جديد"]),
    (
        "Give it to its user now: it is shown only this once.",
        [
            "Remettez-le à son utilisateur maintenant : il n'est montré qu'une fois.",
            "Entrégueselo ahora a su usuario: solo se muestra esta vez.",
            "سلّمه إلى مستخدمه الآن: لا يُعرض إلا هذه المرة.",
        ],
    ),
    ("Issue a token", ["Émettre un jeton", "Emitir un token", "إصدار رمز"]),
    ("Role", ["Rôle", "Rol", "الدور"]),
    (
        "Lifetime (90d, 12h, never; empty: the server's)",
        [
            "Durée de validité (90d, 12h, never ; vide : celle du serveur)",
            "Vigencia (90d, 12h, never; vacío: la del servidor)",
            "مدة الصلاحية (90d أو 12h أو never؛ فارغ: مدة الخادم)",
        ],
    ),
    ("Issue", ["Émettre", "Emitir", "إصدار"]),
    ("Issued", ["Émis", "Emitido", "صدر في"]),
    ("Last used", ["Dernière utilisation", "Último uso", "آخر استخدام"]),
    ("Revoke", ["Révoquer", "Revocar", "إلغاء"]),
    ("active", ["actif", "activo", "نشط"]),
    ("expired", ["expiré", "caducado", "منتهي الصلاحية"]),
    ("revoked", ["révoqué", "revocado", "ملغى"]),
    ("List imports", ["Import de listes", "Importación de listas", "استيراد القوائم"]),
    ("Imports", ["Imports", "Importaciones", "الاستيراد"]),
    (
        "The list's entries become the agency's records: added, updated, re-listed, or archived when de-listed. A file that cannot be read changes nothing.",
        [
            "Les entrées de la liste deviennent les fiches de l'agence : ajoutées, mises à jour, réinscrites, ou archivées quand elles sont radiées. Un fichier illisible ne change rien.",
            "Las entradas de la lista pasan a ser registros de la agencia: añadidas, actualizadas, reinscritas o archivadas cuando se retiran. Un archivo ilegible no cambia nada.",
            "تصبح قيود القائمة سجلات للجهة: تُضاف أو تُحدَّث أو يُعاد إدراجها أو تُؤرشف عند شطبها. الملف الذي تتعذر قراءته لا يغيّر شيئًا.",
        ],
    ),
    ("List file", ["Fichier de la liste", "Archivo de la lista", "ملف القائمة"]),
    ("Import", ["Importer", "Importar", "استيراد"]),
    ("Progress", ["Progression", "Progreso", "التقدّم"]),
    ("Reading the list…", ["Lecture de la liste…", "Leyendo la lista…", "جارٍ قراءة القائمة…"]),
    ("Report", ["Rapport", "Informe", "التقرير"]),
    ("Added", ["Ajoutées", "Añadidas", "مضافة"]),
    ("Updated", ["Mises à jour", "Actualizadas", "محدَّثة"]),
    ("Re-listed", ["Réinscrites", "Reinscritas", "معاد إدراجها"]),
    ("De-listed (archived)", ["Radiées (archivées)", "Retiradas (archivadas)", "مشطوبة (مؤرشفة)"]),
    ("Unchanged", ["Inchangées", "Sin cambios", "دون تغيير"]),
    ("Left out", ["Écartées", "Descartadas", "مستبعدة"]),
    ("Notices published", ["Notices publiées", "Notificaciones publicadas", "نشرات منشورة"]),
    ("Notices cancelled", ["Notices annulées", "Notificaciones anuladas", "نشرات ملغاة"]),
    ("Choose a list file.", ["Choisissez un fichier de liste.", "Elija un archivo de lista.", "اختر ملف قائمة."]),
    ("Dashboard", ["Tableau de bord", "Panel", "لوحة المتابعة"]),
    ("Period", ["Période", "Periodo", "الفترة"]),
    (
        "Per hour, last 24 hours",
        ["Par heure, dernières 24 heures", "Por hora, últimas 24 horas", "بالساعة، آخر 24 ساعة"],
    ),
    ("Per day, last 30 days", ["Par jour, 30 derniers jours", "Por día, últimos 30 días", "باليوم، آخر 30 يومًا"]),
    ("per hour", ["par heure", "por hora", "بالساعة"]),
    ("per day", ["par jour", "por día", "باليوم"]),
    (
        "Times are UTC. Hits count those on our records (silent ones included) and those our screenings made.",
        [
            "Heures en UTC. Les concordances comptent celles sur nos fiches (silencieuses comprises) et celles de nos recherches.",
            "Horas en UTC. Las coincidencias cuentan las de nuestros registros (silenciosas incluidas) y las de nuestras consultas.",
            "الأوقات بالتوقيت العالمي. تشمل النتائج المطابقة ما وقع على سجلاتنا (بما فيها الصامتة) وما أسفرت عنه عمليات بحثنا.",
        ],
    ),
    ("Searches", ["Recherches", "Consultas", "عمليات البحث"]),
    ("searches", ["recherches", "consultas", "عمليات بحث"]),
    ("Median latency", ["Latence médiane", "Latencia mediana", "متوسط زمن الاستجابة"]),
    ("99th percentile latency", ["Latence au 99e centile", "Latencia del percentil 99", "زمن الاستجابة عند المئين 99"]),
    ("Hits by country", ["Concordances par pays", "Coincidencias por país", "النتائج المطابقة حسب البلد"]),
    (
        "Hits by notice type",
        [
            "Concordances par type de notice",
            "Coincidencias por tipo de notificación",
            "النتائج المطابقة حسب نوع النشرة",
        ],
    ),
    ("none", ["aucune", "ninguna", "لا شيء"]),
    ("Screening latency", ["Latence des recherches", "Latencia de las consultas", "زمن استجابة البحث"]),
    (
        "Measured by this server since it started:",
        [
            "Mesurée par ce serveur depuis son démarrage :",
            "Medida por este servidor desde su inicio:",
            "مقيس بواسطة هذا الخادم منذ تشغيله:",
        ],
    ),
    ("Figures", ["Chiffres", "Cifras", "الأرقام"]),
    ("Not done", ["Non effectué", "No realizado", "لم يُنفَّذ"]),
    ("Back", ["Retour", "Volver", "رجوع"]),
    ("Request a notice", ["Demander une notice", "Solicitar una notificación", "طلب نشرة"]),
    ("Type", ["Type", "Tipo", "النوع"]),
    ("Show its fields", ["Afficher ses champs", "Mostrar sus campos", "عرض حقوله"]),
    (
        "Record ids (comma separated)",
        [
            "Identifiants des fiches (séparés par des virgules)",
            "Identificadores de registros (separados por comas)",
            "معرّفات السجلات (مفصولة بفواصل)",
        ],
    ),
    ("(optional for this type)", ["(facultatif pour ce type)", "(opcional para este tipo)", "(اختياري لهذا النوع)"]),
    (
        "Make its public extract available",
        ["Rendre son extrait public disponible", "Publicar su extracto público", "إتاحة مستخلصها العام"],
    ),
    ("Save as a draft", ["Enregistrer comme brouillon", "Guardar como borrador", "حفظ كمسودة"]),
    ("Summary of the facts", ["Résumé des faits", "Resumen de los hechos", "ملخص الوقائع"]),
    ("Offence", ["Infraction", "Delito", "الجريمة"]),
    (
        "Warrant: kind (arrest_warrant or judgment)",
        [
            "Mandat : nature (arrest_warrant ou judgment)",
            "Orden: tipo (arrest_warrant o judgment)",
            "المذكرة: النوع (arrest_warrant أو judgment)",
        ],
    ),
    ("Warrant: reference", ["Mandat : référence", "Orden: referencia", "المذكرة: المرجع"]),
    ("Warrant: issued by", ["Mandat : délivré par", "Orden: expedida por", "المذكرة: صادرة عن"]),
    (
        "Warrant: issued on (YYYY-MM-DD)",
        ["Mandat : délivré le (AAAA-MM-JJ)", "Orden: expedida el (AAAA-MM-DD)", "المذكرة: تاريخ الإصدار (YYYY-MM-DD)"],
    ),
    ("Legal basis", ["Base légale", "Fundamento jurídico", "الأساس القانوني"]),
    ("Disappeared on", ["Disparu(e) le", "Desaparecido/a el", "تاريخ الاختفاء"]),
    ("Disappeared at", ["Disparu(e) à", "Desaparecido/a en", "مكان الاختفاء"]),
    ("Body found on", ["Corps découvert le", "Cuerpo hallado el", "تاريخ العثور على الجثة"]),
    ("Body found at", ["Corps découvert à", "Cuerpo hallado en", "مكان العثور على الجثة"]),
    ("Information sought", ["Informations recherchées", "Información buscada", "المعلومات المطلوبة"]),
    ("The threat", ["La menace", "La amenaza", "التهديد"]),
    ("Modus operandi", ["Mode opératoire", "Modus operandi", "أسلوب العمل"]),
    (
        "UN reference (e.g. QDi.001)",
        ["Référence ONU (ex. QDi.001)", "Referencia de la ONU (p. ej. QDi.001)", "مرجع الأمم المتحدة (مثل QDi.001)"],
    ),
    ("Sanctions regime", ["Régime de sanctions", "Régimen de sanciones", "نظام العقوبات"]),
    ("Listed on (YYYY-MM-DD)", ["Inscrit le (AAAA-MM-JJ)", "Incluido el (AAAA-MM-DD)", "تاريخ الإدراج (YYYY-MM-DD)"]),
    ("Hit", ["Concordance", "Coincidencia", "التطابق"]),
    (
        "Screened on this edge's copy: each hit waits for confirmation upstream, made when the link is up.",
        [
            "Contrôlé sur la copie de ce poste : chaque concordance attend sa confirmation par le serveur central, faite quand la liaison est rétablie.",
            "Consultado en la copia de este puesto: cada coincidencia espera su confirmación en el servidor central, hecha cuando vuelve la conexión.",
            "تم الفحص على نسخة هذا المركز: كل تطابق ينتظر تأكيده من الخادم المركزي عند عودة الاتصال.",
        ],
    ),
    ("Messages", ["Messages", "Mensajes", "الرسائل"]),
    ("No message yet.", ["Pas encore de message.", "Todavía no hay mensajes.", "لا توجد رسائل بعد."]),
    (
        "Message to the other agency",
        ["Message à l'autre service", "Mensaje al otro organismo", "رسالة إلى الجهاز الآخر"],
    ),
    ("Send", ["Envoyer", "Enviar", "إرسال"]),
    ("Reviews due", ["Réexamens dus", "Revisiones pendientes", "المراجعات المستحقة"]),
    (
        "Past its review date an item stops matching and is archived, never deleted. An extension needs a written justification, kept in the audit log.",
        [
            "Passé sa date de réexamen, un élément ne correspond plus et est archivé, jamais supprimé. Une prolongation exige une justification écrite, gardée au journal d'audit.",
            "Pasada su fecha de revisión, un elemento deja de coincidir y se archiva, nunca se borra. Una prórroga requiere una justificación escrita, que queda en el registro de auditoría.",
            "بعد تاريخ مراجعته يتوقف العنصر عن المطابقة ويُؤرشف ولا يُحذف أبدًا. يتطلب التمديد مبررًا مكتوبًا يُحفظ في سجل التدقيق.",
        ],
    ),
    ("Nothing to review.", ["Rien à réexaminer.", "Nada que revisar.", "لا شيء للمراجعة."]),
    ("Item", ["Élément", "Elemento", "العنصر"]),
    ("Extend", ["Prolonger", "Prorrogar", "تمديد"]),
    ("Justification", ["Justification", "Justificación", "المبرر"]),
    ("Extend five years", ["Prolonger de cinq ans", "Prorrogar cinco años", "تمديد خمس سنوات"]),
    ("Records", ["Fiches", "Registros", "السجلات"]),
    ("Record", ["Fiche", "Registro", "السجل"]),
    ("New record", ["Nouvelle fiche", "Nuevo registro", "سجل جديد"]),
    ("No record.", ["Aucune fiche.", "Ningún registro.", "لا توجد سجلات."]),
    ("Name or number contains", ["Nom ou numéro contenant", "Nombre o número que contiene", "الاسم أو الرقم يحتوي على"]),
    ("Access", ["Accès", "Acceso", "الوصول"]),
    ("Review by", ["À réexaminer avant le", "Revisar antes del", "المراجعة قبل"]),
    ("Kind", ["Type", "Tipo", "النوع"]),
    (
        "Names (the first is the primary name; one a line)",
        [
            "Noms (le premier est le nom principal ; un par ligne)",
            "Nombres (el primero es el principal; uno por línea)",
            "الأسماء (الأول هو الاسم الرئيسي؛ اسم في كل سطر)",
        ],
    ),
    (
        "Birth dates (comma separated)",
        [
            "Dates de naissance (séparées par des virgules)",
            "Fechas de nacimiento (separadas por comas)",
            "تواريخ الميلاد (مفصولة بفواصل)",
        ],
    ),
    (
        "Nationalities or countries (alpha-3, comma separated)",
        [
            "Nationalités ou pays (alpha-3, séparés par des virgules)",
            "Nacionalidades o países (alfa-3, separados por comas)",
            "الجنسيات أو البلدان (ثلاثية الأحرف، مفصولة بفواصل)",
        ],
    ),
    ("Document type", ["Type de document", "Tipo de documento", "نوع الوثيقة"]),
    ("Document status", ["Statut du document", "Estado del documento", "حالة الوثيقة"]),
    ("Instructions to the officer", ["Instructions à l'agent", "Instrucciones al agente", "تعليمات للموظف"]),
    ("Who may see it", ["Qui peut la voir", "Quién puede verlo", "من يمكنه الاطلاع عليه"]),
    ("Confidentiality level", ["Niveau de confidentialité", "Nivel de confidencialidad", "مستوى السرية"]),
    ("Clearance", ["Habilitation", "Habilitación", "التصريح الأمني"]),
    (
        "Those agencies (codes, comma separated)",
        [
            "Ces services (codes, séparés par des virgules)",
            "Esos organismos (códigos, separados por comas)",
            "تلك الأجهزة (الرموز، مفصولة بفواصل)",
        ],
    ),
    (
        "Tags (comma separated)",
        ["Étiquettes (séparées par des virgules)", "Etiquetas (separadas por comas)", "الوسوم (مفصولة بفواصل)"],
    ),
    ("Save", ["Enregistrer", "Guardar", "حفظ"]),
    ("Archive", ["Archiver", "Archivar", "أرشفة"]),
    (
        "Archived, the record stops matching and stays for the audit, visible to its owner only.",
        [
            "Archivée, la fiche ne correspond plus et reste pour l'audit, visible de son seul propriétaire.",
            "Archivado, el registro deja de coincidir y se conserva para la auditoría, visible solo para su propietario.",
            "بعد الأرشفة يتوقف السجل عن المطابقة ويبقى للتدقيق، ولا يراه إلا مالكه.",
        ],
    ),
    ("Notices", ["Notices", "Notificaciones", "النشرات"]),
    ("No notice.", ["Aucune notice.", "Ninguna notificación.", "لا توجد نشرات."]),
    (
        "Neutrality: terms to weigh",
        ["Neutralité : termes à examiner", "Neutralidad: términos que sopesar", "الحياد: مصطلحات يجب تقديرها"],
    ),
    ("Reason", ["Motif", "Motivo", "السبب"]),
    ("API reference", ["Référence de l'API", "Referencia de la API", "مرجع واجهة البرمجة"]),
    ("Skip to content", ["Aller au contenu", "Ir al contenido", "انتقل إلى المحتوى"]),
    ("Screen", ["Contrôler", "Consultar", "تحقّق"]),
    ("Manifest", ["Manifeste", "Manifiesto", "قائمة الركاب"]),
    ("Hits", ["Concordances", "Coincidencias", "التطابقات"]),
    ("Audit", ["Audit", "Auditoría", "التدقيق"]),
    ("Audit log", ["Journal d'audit", "Registro de auditoría", "سجل التدقيق"]),
    ("Sign in", ["Se connecter", "Iniciar sesión", "تسجيل الدخول"]),
    ("Sign out", ["Se déconnecter", "Cerrar sesión", "تسجيل الخروج"]),
    ("Language", ["Langue", "Idioma", "اللغة"]),
    ("Change", ["Changer", "Cambiar", "تغيير"]),
    (
        "Sign in with the API token your agency's administrator gave you. It is kept on the server for this session only, never in the browser.",
        [
            "Connectez-vous avec le jeton d'API remis par l'administrateur de votre service. Il reste sur le serveur pour cette session seulement, jamais dans le navigateur.",
            "Inicie sesión con el token de API que le entregó el administrador de su organismo. Se guarda en el servidor solo durante esta sesión, nunca en el navegador.",
            "سجّل الدخول برمز واجهة البرمجة الذي سلّمه إليك مسؤول جهازك. يُحفظ على الخادم طوال هذه الجلسة فقط، ولا يُحفظ في المتصفح أبدًا.",
        ],
    ),
    ("API token", ["Jeton d'API", "Token de API", "رمز واجهة البرمجة"]),
    (
        "A national unit's token does not sign in to the console; use the command line or the API.",
        [
            "Le jeton d'une unité nationale n'ouvre pas de session dans la console ; utilisez la ligne de commande ou l'API.",
            "El token de una unidad nacional no inicia sesión en la consola; use la línea de comandos o la API.",
            "رمز الوحدة الوطنية لا يفتح جلسة في وحدة التحكم؛ استخدم سطر الأوامر أو واجهة البرمجة.",
        ],
    ),
    (
        "Unknown or revoked token.",
        ["Jeton inconnu ou révoqué.", "Token desconocido o revocado.", "رمز غير معروف أو ملغى."],
    ),
    (
        "The store cannot be reached; try again.",
        [
            "La base est injoignable ; réessayez.",
            "No se puede acceder al almacén; inténtelo de nuevo.",
            "تعذّر الوصول إلى المخزن؛ أعد المحاولة.",
        ],
    ),
    (
        "MRZ check digits failed:",
        [
            "Chiffres de contrôle de la ZLA en échec :",
            "Dígitos de control de la ZLM fallidos:",
            "أرقام التحقق في منطقة القراءة الآلية غير صحيحة:",
        ],
    ),
    ("(screened all the same).", ["(contrôlé quand même).", "(consultado de todos modos).", "(جرى التحقق رغم ذلك)."]),
    ("No match.", ["Aucune correspondance.", "Ninguna coincidencia.", "لا يوجد تطابق."]),
    ("Owner", ["Propriétaire", "Propietario", "المالك"]),
    ("List", ["Liste", "Lista", "القائمة"]),
    ("Handling", ["Conduite à tenir", "Actuación", "الإجراء"]),
    ("Notice", ["Notice", "Notificación", "النشرة"]),
    ("No hit", ["Pas de concordance", "Sin coincidencia", "لا تطابق"]),
    (
        "reviewed as a false positive on hit",
        [
            "examiné comme faux positif sur la concordance",
            "revisado como falso positivo en la coincidencia",
            "رُوجع كإيجابية كاذبة في التطابق",
        ],
    ),
    ("Why it matched", ["Pourquoi cette correspondance", "Por qué coincide", "سبب التطابق"]),
    ("Name", ["Nom", "Nombre", "الاسم"]),
    ("Feature", ["Critère", "Criterio", "المعيار"]),
    ("Contribution", ["Contribution", "Aportación", "المساهمة"]),
    ("Detail", ["Détail", "Detalle", "التفاصيل"]),
    ("Travel document", ["Document de voyage", "Documento de viaje", "وثيقة سفر"]),
    ("person", ["personne", "persona", "شخص"]),
    ("organization", ["organisation", "organización", "منظمة"]),
    ("born", ["né(e) le", "nacido/a el", "تاريخ الميلاد"]),
    ("Name (any script)", ["Nom (toute écriture)", "Nombre (cualquier escritura)", "الاسم (بأي كتابة)"]),
    (
        "Birth date (YYYY, YYYY-MM or YYYY-MM-DD)",
        [
            "Date de naissance (AAAA, AAAA-MM ou AAAA-MM-JJ)",
            "Fecha de nacimiento (AAAA, AAAA-MM o AAAA-MM-DD)",
            "تاريخ الميلاد (YYYY أو YYYY-MM أو YYYY-MM-DD)",
        ],
    ),
    (
        "Nationality (ISO 3166 alpha-3)",
        ["Nationalité (ISO 3166 alpha-3)", "Nacionalidad (ISO 3166 alfa-3)", "الجنسية (ISO 3166 ثلاثي الأحرف)"],
    ),
    ("Document number", ["Numéro du document", "Número del documento", "رقم الوثيقة"]),
    (
        "Document's country (alpha-3)",
        ["Pays du document (alpha-3)", "País del documento (alfa-3)", "بلد الوثيقة (ثلاثي الأحرف)"],
    ),
    (
        "MRZ (paste its two or three lines)",
        [
            "ZLA (collez ses deux ou trois lignes)",
            "ZLM (pegue sus dos o tres líneas)",
            "منطقة القراءة الآلية (الصق سطريها أو أسطرها الثلاثة)",
        ],
    ),
    ("Location (e.g. CDG T2)", ["Lieu (ex. CDG T2)", "Lugar (p. ej. CDG T2)", "المكان (مثل CDG T2)"]),
    (
        "Purpose (e.g. border_check)",
        ["Motif (ex. border_check)", "Motivo (p. ej. border_check)", "الغرض (مثل border_check)"],
    ),
    ("Sex", ["Sexe", "Sexo", "الجنس"]),
    ("not given", ["non indiqué", "no indicado", "غير محدد"]),
    ("male", ["masculin", "masculino", "ذكر"]),
    ("female", ["féminin", "femenino", "أنثى"]),
    ("unknown", ["inconnu", "desconocido", "غير معروف"]),
    ("Results", ["Résultats", "Resultados", "النتائج"]),
    ("Document", ["Document", "Documento", "الوثيقة"]),
    ("issued by", ["délivré par", "expedido por", "صادرة عن"]),
    ("Nationality", ["Nationalité", "Nacionalidad", "الجنسية"]),
    ("Birth date", ["Date de naissance", "Fecha de nacimiento", "تاريخ الميلاد"]),
    ("Expiry", ["Expiration", "Caducidad", "تاريخ الانتهاء"]),
    ("Check digit", ["Chiffre de contrôle", "Dígito de control", "رقم التحقق"]),
    ("Found", ["Lu", "Leído", "المقروء"]),
    ("Computed", ["Calculé", "Calculado", "المحسوب"]),
    ("FAILED", ["ÉCHEC", "FALLO", "خطأ"]),
    ("ok", ["ok", "ok", "سليم"]),
    (
        "Manifest file (PAXLST, CSV with a header, JSON lines; at most 1,000 travellers)",
        [
            "Fichier du manifeste (PAXLST, CSV avec en-tête, lignes JSON ; 1 000 voyageurs au plus)",
            "Archivo del manifiesto (PAXLST, CSV con cabecera, líneas JSON; 1.000 viajeros como máximo)",
            "ملف قائمة الركاب (PAXLST أو CSV مع ترويسة أو أسطر JSON؛ 1000 مسافر على الأكثر)",
        ],
    ),
    ("Or paste it", ["Ou collez-le", "O péguelo", "أو الصقه"]),
    (
        "Location (a PAXLST manifest's flight by default)",
        [
            "Lieu (par défaut, le vol d'un manifeste PAXLST)",
            "Lugar (por defecto, el vuelo de un manifiesto PAXLST)",
            "المكان (افتراضيًا رحلة قائمة PAXLST)",
        ],
    ),
    ("Purpose", ["Motif", "Motivo", "الغرض"]),
    (
        "Only travellers with a hit",
        [
            "Seulement les voyageurs avec une concordance",
            "Solo los viajeros con coincidencia",
            "المسافرون ذوو التطابق فقط",
        ],
    ),
    ("Screen the manifest", ["Contrôler le manifeste", "Consultar el manifiesto", "تحقّق من قائمة الركاب"]),
    (
        "Choose a file or paste a manifest.",
        [
            "Choisissez un fichier ou collez un manifeste.",
            "Elija un archivo o pegue un manifiesto.",
            "اختر ملفًا أو الصق قائمة ركاب.",
        ],
    ),
    ("Flight", ["Vol", "Vuelo", "الرحلة"]),
    ("travellers", ["voyageurs", "viajeros", "مسافرون"]),
    ("matched", ["avec correspondance", "con coincidencia", "مطابَقون"]),
    ("matches", ["correspondances", "coincidencias", "تطابقات"]),
    ("hits", ["concordances", "coincidencias registradas", "تطابقات مسجلة"]),
    ("errors", ["erreurs", "errores", "أخطاء"]),
    ("Filter", ["Filtrer", "Filtrar", "تصفية"]),
    ("Export CSV", ["Exporter en CSV", "Exportar CSV", "تصدير CSV"]),
    ("Ref", ["Réf.", "Ref.", "المرجع"]),
    ("Where", ["Où", "Dónde", "الموضع"]),
    ("Traveller", ["Voyageur", "Viajero", "المسافر"]),
    ("Best match", ["Meilleure correspondance", "Mejor coincidencia", "أفضل تطابق"]),
    ("Score", ["Score", "Puntuación", "الدرجة"]),
    ("Error", ["Erreur", "Error", "خطأ"]),
    ("line", ["ligne", "línea", "السطر"]),
    ("segment", ["segment", "segmento", "المقطع"]),
    ("Side", ["Côté", "Lado", "الجهة"]),
    ("all", ["toutes", "todas", "الكل"]),
    ("on our records", ["sur nos fiches", "sobre nuestros registros", "على سجلاتنا"]),
    ("from our screenings", ["de nos contrôles", "de nuestras consultas", "من عمليات تحقّقنا"]),
    ("Status", ["Statut", "Estado", "الحالة"]),
    ("any", ["tous", "cualquiera", "أي حالة"]),
    ("Show", ["Afficher", "Mostrar", "عرض"]),
    ("No hit.", ["Aucune concordance.", "Ninguna coincidencia registrada.", "لا توجد تطابقات."]),
    ("When", ["Quand", "Cuándo", "الوقت"]),
    ("Searched by", ["Recherché par", "Consultado por", "بحث بواسطة"]),
    ("Record of", ["Fiche de", "Registro de", "سجل"]),
    ("Where, why", ["Où, pourquoi", "Dónde, por qué", "أين ولماذا"]),
    ("Move to", ["Passer à", "Pasar a", "نقل إلى"]),
    ("silent", ["silencieuse", "silenciosa", "صامت"]),
    (
        "the searcher was told nothing",
        ["rien n'a été dit à l'auteur de la recherche", "no se informó nada a quien consultó", "لم يُبلَّغ الباحث بشيء"],
    ),
    ("new", ["nouvelle", "nueva", "جديد"]),
    ("acknowledged", ["prise en compte", "acusada", "مُستلَم"]),
    ("confirmed", ["confirmée", "confirmada", "مؤكَّد"]),
    ("false positive", ["faux positif", "falso positivo", "إيجابية كاذبة"]),
    ("action taken", ["mesure prise", "medida adoptada", "اتُّخذ إجراء"]),
    ("closed", ["close", "cerrada", "مغلق"]),
    (
        "The log is a SHA-256 hash chain: each entry names the one before it.",
        [
            "Le journal est une chaîne de hachages SHA-256 : chaque entrée désigne la précédente.",
            "El registro es una cadena de hashes SHA-256: cada entrada nombra la anterior.",
            "السجل سلسلة تجزئة SHA-256: كل قيد يشير إلى القيد الذي قبله.",
        ],
    ),
    ("Verify the chain", ["Vérifier la chaîne", "Verificar la cadena", "تحقّق من السلسلة"]),
    ("Agency", ["Service", "Organismo", "الجهاز"]),
    ("Action (or its start)", ["Action (ou son début)", "Acción (o su comienzo)", "الإجراء (أو بدايته)"]),
    ("Object contains", ["Objet contenant", "Objeto que contiene", "الكائن يحتوي على"]),
    ("Since (YYYY-MM-DD)", ["Depuis (AAAA-MM-JJ)", "Desde (AAAA-MM-DD)", "منذ (YYYY-MM-DD)"]),
    ("No entry.", ["Aucune entrée.", "Ninguna entrada.", "لا توجد قيود."]),
    ("Time", ["Heure", "Hora", "الوقت"]),
    ("User", ["Utilisateur", "Usuario", "المستخدم"]),
    ("Action", ["Action", "Acción", "الإجراء"]),
    ("Objects", ["Objets", "Objetos", "الكائنات"]),
    ("Outcome", ["Résultat", "Resultado", "النتيجة"]),
    ("Next entries", ["Entrées suivantes", "Entradas siguientes", "القيود التالية"]),
    ("The chain holds:", ["La chaîne est intacte :", "La cadena está intacta:", "السلسلة سليمة:"]),
    ("entries, head", ["entrées, tête", "entradas, cabeza", "قيدًا، الرأس"]),
    (
        "The chain is BROKEN at entry",
        ["La chaîne est ROMPUE à l'entrée", "La cadena está ROTA en la entrada", "السلسلة مكسورة عند القيد"],
    ),
    ("of", ["sur", "de", "من"]),
    ("Intelligence", ["Renseignement", "Inteligencia", "الاستخبارات"]),
    ("Collections", ["Collections", "Colecciones", "المجموعات"]),
    (
        "No collection this agency may read or write.",
        [
            "Aucune collection que ce service peut lire ou écrire.",
            "Ninguna colección que este organismo pueda leer o escribir.",
            "لا توجد مجموعة يمكن لهذا الجهاز قراءتها أو الكتابة فيها.",
        ],
    ),
    ("Title", ["Titre", "Título", "العنوان"]),
    ("Rights", ["Droits", "Derechos", "الصلاحيات"]),
    ("read", ["lecture", "lectura", "قراءة"]),
    ("write", ["écriture", "escritura", "كتابة"]),
    ("Check observables", ["Vérifier des observables", "Verificar observables", "فحص المؤشرات"]),
    (
        "Values, one per line (IP addresses, domains, URLs, e-mail addresses, hashes, wallets; defanged forms are read)",
        [
            "Valeurs, une par ligne (adresses IP, domaines, URL, adresses électroniques, empreintes, portefeuilles ; les formes désamorcées sont lues)",
            "Valores, uno por línea (direcciones IP, dominios, URL, correos, hashes, monederos; se leen las formas desactivadas)",
            "القيم، واحدة في كل سطر (عناوين IP، نطاقات، روابط، بريد إلكتروني، بصمات، محافظ؛ تُقرأ الصيغ المعطّلة)",
        ],
    ),
    ("Check", ["Vérifier", "Verificar", "افحص"]),
    ("values checked", ["valeurs vérifiées", "valores verificados", "قيمة مفحوصة"]),
    ("Not an observable", ["Pas un observable", "No es un observable", "ليس مؤشرًا"]),
    ("Noise", ["Bruit", "Ruido", "ضجيج"]),
    ("Shared by", ["Partagé par", "Compartido por", "شاركه"]),
    (
        "Sightings of our intelligence",
        [
            "Observations de nos renseignements",
            "Avistamientos de nuestra inteligencia",
            "مشاهدات لمعلوماتنا الاستخبارية",
        ],
    ),
    ("No sighting.", ["Aucune observation.", "Ningún avistamiento.", "لا توجد مشاهدات."]),
    ("Checked by", ["Vérifié par", "Verificado por", "فحصه"]),
    ("Value", ["Valeur", "Valor", "القيمة"]),
    (
        "the checker may not see it and was told nothing",
        [
            "le vérificateur ne peut pas le voir et n'a rien appris",
            "quien verificó no puede verlo y no supo nada",
            "لا يمكن للفاحص رؤيته ولم يُبلَّغ بشيء",
        ],
    ),
    (
        "The threat-intelligence hub is not served here.",
        [
            "Le centre de renseignement sur les menaces n'est pas servi ici.",
            "El centro de inteligencia de amenazas no se sirve aquí.",
            "مركز استخبارات التهديدات غير متاح هنا.",
        ],
    ),
    ("Biometrics", ["Biométrie", "Biometría", "القياسات الحيوية"]),
    ("Infrastructure", ["Infrastructures", "Infraestructuras", "البنى التحتية"]),
    (
        "Infrastructure analysis is not served here.",
        [
            "L'analyse des infrastructures n'est pas servie ici.",
            "El análisis de infraestructuras no se ofrece aquí.",
            "تحليل البنى التحتية غير متاح هنا.",
        ],
    ),
    ("Single points of failure", ["Points de défaillance uniques", "Puntos únicos de fallo", "نقاط الفشل الأحادية"]),
    ("Sector", ["Secteur", "Sector", "القطاع"]),
    ("Country (ISO alpha-3)", ["Pays (ISO alpha-3)", "País (ISO alfa-3)", "البلد (ISO ألفا-3)"]),
    ("assets", ["actifs", "activos", "أصول"]),
    ("dependencies", ["dépendances", "dependencias", "تبعيات"]),
    ("single points of failure", ["points de défaillance uniques", "puntos únicos de fallo", "نقاط فشل أحادية"]),
    ("articulation points", ["points d'articulation", "puntos de articulación", "نقاط مفصلية"]),
    ("bridges", ["ponts", "puentes", "جسور"]),
    (
        "No single point of failure.",
        ["Aucun point de défaillance unique.", "Ningún punto único de fallo.", "لا توجد نقطة فشل أحادية."],
    ),
    ("Asset", ["Actif", "Activo", "الأصل"]),
    ("Country", ["Pays", "País", "البلد"]),
    ("Cuts off", ["Coupe", "Deja sin servicio", "يقطع"]),
    ("People", ["Personnes", "Personas", "الأشخاص"]),
    ("Commodities", ["Flux", "Suministros", "الإمدادات"]),
    ("What if", ["Et si", "Qué pasaría si", "ماذا لو"]),
    (
        "Assets lost (ids, one per line)",
        [
            "Actifs perdus (identifiants, un par ligne)",
            "Activos perdidos (identificadores, uno por línea)",
            "الأصول المفقودة (المعرّفات، واحد في كل سطر)",
        ],
    ),
    (
        "Or every asset of a sector",
        ["Ou tous les actifs d'un secteur", "O todos los activos de un sector", "أو كل أصول قطاع ما"],
    ),
    ("In a country (ISO alpha-3)", ["Dans un pays (ISO alpha-3)", "En un país (ISO alfa-3)", "في بلد (ISO ألفا-3)"]),
    ("Horizon (hours)", ["Horizon (heures)", "Horizonte (horas)", "الأفق (ساعات)"]),
    ("Simulate", ["Simuler", "Simular", "محاكاة"]),
    ("Any", ["Tous", "Cualquiera", "الكل"]),
    ("removed", ["retirés", "retirados", "أزيلت"]),
    ("failed after them", ["défaillants ensuite", "fallidos después", "فشلت بعدها"]),
    ("people", ["personnes", "personas", "أشخاص"]),
    (
        "First across a border:",
        ["Premier franchissement de frontière :", "Primer paso de frontera:", "أول عبور للحدود:"],
    ),
    ("Hours", ["Heures", "Horas", "الساعات"]),
    ("Cause", ["Cause", "Causa", "السبب"]),
    ("Through", ["Par", "A través de", "عبر"]),
    ("Assets", ["Actifs", "Activos", "الأصول"]),
    (
        "Biometric search is not served here.",
        [
            "La recherche biométrique n'est pas servie ici.",
            "La búsqueda biométrica no se ofrece aquí.",
            "البحث البيومتري غير متاح هنا.",
        ],
    ),
    (
        "Search faces and fingerprints",
        ["Rechercher visages et empreintes", "Buscar rostros y huellas", "البحث عن الوجوه والبصمات"],
    ),
    (
        "Template (JSON: a face with model, version and vector, or fingers with their minutiae)",
        [
            "Gabarit (JSON : un visage avec modèle, version et vecteur, ou des doigts avec leurs minuties)",
            "Plantilla (JSON: un rostro con modelo, versión y vector, o dedos con sus minucias)",
            "القالب (JSON: وجه مع النموذج والإصدار والمتجه، أو أصابع مع نقاطها الدقيقة)",
        ],
    ),
    ("Search", ["Rechercher", "Buscar", "بحث"]),
    ("the hit", ["la concordance", "la coincidencia", "التطابق"]),
    (
        "Candidates by or about this agency",
        ["Candidats de ou sur cette agence", "Candidatos de o sobre esta agencia", "المرشحون من هذه الوكالة أو عنها"],
    ),
    ("No candidate.", ["Aucun candidat.", "Ningún candidato.", "لا يوجد مرشح."]),
    ("Modality", ["Modalité", "Modalidad", "النمط"]),
    ("Confirm", ["Confirmer", "Confirmar", "تأكيد"]),
    ("Reject", ["Rejeter", "Rechazar", "رفض"]),
    ("Decision", ["Décision", "Decisión", "القرار"]),
    ("Rank", ["Rang", "Puesto", "الترتيب"]),
    ("Person", ["Personne", "Persona", "الشخص"]),
    (
        "A candidate is for an examiner to confirm: a search makes no hit.",
        [
            "Un candidat doit être confirmé par un examinateur : une recherche ne crée aucune concordance.",
            "Un candidato debe confirmarlo un examinador: una búsqueda no crea ninguna coincidencia.",
            "يؤكد الفاحص المرشح: البحث وحده لا ينشئ تطابقًا.",
        ],
    ),
    ("pending", ["en attente", "pendiente", "قيد الانتظار"]),
    ("rejected", ["rejeté", "rechazado", "مرفوض"]),
    ("face", ["visage", "rostro", "الوجه"]),
    ("finger", ["empreinte digitale", "huella dactilar", "البصمة"]),
    ("candidate", ["candidat", "candidato", "مرشح"]),
    ("no_candidate", ["aucun candidat", "ningún candidato", "لا مرشح"]),
    ("inconclusive", ["non concluant", "no concluyente", "غير حاسم"]),
    // Messages and diffusions between agencies (`/messages`).
    ("official use only", ["usage officiel uniquement", "solo para uso oficial", "للاستخدام الرسمي فقط"]),
    ("restricted", ["diffusion restreinte", "restringido", "مقيّد"]),
    ("confidential", ["confidentiel", "confidencial", "سري"]),
    ("wanted", ["personne recherchée", "persona buscada", "مطلوب"]),
    ("missing", ["personne disparue", "persona desaparecida", "مفقود"]),
    ("information", ["information", "información", "معلومات"]),
    ("warning", ["mise en garde", "advertencia", "تحذير"]),
    ("diffusion", ["diffusion", "difusión", "نشرة تعميم"]),
    ("message", ["message", "mensaje", "رسالة"]),
    (
        "non-compliant — do not rely on it",
        ["non conforme — ne pas s'y fier", "no conforme — no confíe en ella", "غير مطابق — لا تعتمدوا عليه"],
    ),
    (
        "delivered to {n} of {total}",
        ["remis à {n} sur {total}", "entregado a {n} de {total}", "سُلّم إلى {n} من {total}"],
    ),
    ("read by {n} of {total}", ["lu par {n} sur {total}", "leído por {n} de {total}", "قرأه {n} من {total}"]),
    (
        "acknowledged by {n} of {total}",
        ["accusé de réception par {n} sur {total}", "acuse de recibo de {n} de {total}", "أقرّ باستلامه {n} من {total}"],
    ),
    ("acknowledged by us", ["réception accusée par nous", "acuse de recibo enviado", "أقررنا باستلامه"]),
    ("read by us", ["lu par nous", "leído por nosotros", "قرأناه"]),
    ("delivered to us", ["remis chez nous", "entregado a nosotros", "سُلّم إلينا"]),
    ("not delivered yet", ["pas encore remis", "aún no entregado", "لم يُسلَّم بعد"]),
    ("All", ["Tous", "Todos", "الكل"]),
    ("Received", ["Reçus", "Recibidos", "الواردة"]),
    ("Sent", ["Envoyé", "Enviado", "أُرسل"]),
    ("Diffusions to review", ["Diffusions à examiner", "Difusiones por examinar", "نشرات التعميم المطلوب مراجعتها"]),
    (
        "Messages between agencies are end-to-end encrypted: the server, and this console, hold only their routing data. Open one where your agency's key file is.",
        [
            "Les messages entre services sont chiffrés de bout en bout : le serveur, et cette console, n'en détiennent que les données d'acheminement. Ouvrez-les là où se trouve le fichier de clé de votre service.",
            "Los mensajes entre organismos están cifrados de extremo a extremo: el servidor, y esta consola, solo guardan sus datos de encaminamiento. Ábralos donde esté el archivo de clave de su organismo.",
            "الرسائل بين الأجهزة مشفّرة من طرف إلى طرف: لا يحتفظ الخادم، ولا هذه الواجهة، إلا ببيانات توجيهها. افتحها حيث يوجد ملف مفتاح جهازكم.",
        ],
    ),
    ("Mailbox", ["Boîte", "Buzón", "صندوق الرسائل"]),
    ("No message.", ["Aucun message.", "Ningún mensaje.", "لا توجد رسائل."]),
    ("From", ["De", "De", "من"]),
    ("To", ["À", "Para", "إلى"]),
    ("Level", ["Niveau", "Nivel", "المستوى"]),
    ("References", ["Références", "Referencias", "المراجع"]),
    ("Receipts", ["Accusés", "Acuses", "الإشعارات"]),
    ("Diffusion", ["Diffusion", "Difusión", "نشرة تعميم"]),
    ("Message", ["Message", "Mensaje", "رسالة"]),
    ("Its content", ["Son contenu", "Su contenido", "محتواها"]),
    (
        "The content is end-to-end encrypted: the server holds only the sealed envelope and cannot read it. Open it where your agency's key file is, with:",
        [
            "Le contenu est chiffré de bout en bout : le serveur ne détient que l'enveloppe scellée et ne peut pas la lire. Ouvrez-le là où se trouve le fichier de clé de votre service, avec :",
            "El contenido está cifrado de extremo a extremo: el servidor solo guarda el sobre sellado y no puede leerlo. Ábralo donde esté el archivo de clave de su organismo, con:",
            "المحتوى مشفّر من طرف إلى طرف: لا يحتفظ الخادم إلا بالمظروف المختوم ولا يمكنه قراءته. افتحه حيث يوجد ملف مفتاح جهازكم، بالأمر:",
        ],
    ),
    (
        "Open it here with your agency's key file: the page reads the file into its own memory and opens the message there. The key is never sent to the server; leaving the page, or Forget, erases it.",
        [
            "Ouvrez-le ici avec le fichier de clé de votre service : la page lit le fichier dans sa propre mémoire et y ouvre le message. La clé n'est jamais envoyée au serveur ; quitter la page, ou Oublier, l'efface.",
            "Ábralo aquí con el archivo de clave de su organismo: la página lee el archivo en su propia memoria y abre allí el mensaje. La clave nunca se envía al servidor; salir de la página, u Olvidar, la borra.",
            "افتحها هنا بملف مفتاح جهازكم: تقرأ الصفحة الملف في ذاكرتها وتفتح الرسالة فيها. لا يُرسل المفتاح إلى الخادم أبدًا؛ ويمحوه مغادرة الصفحة أو زر النسيان.",
        ],
    ),
    ("Key file", ["Fichier de clé", "Archivo de clave", "ملف المفتاح"]),
    ("Open", ["Ouvrir", "Abrir", "فتح"]),
    ("Forget the key", ["Oublier la clé", "Olvidar la clave", "نسيان المفتاح"]),
    (
        "Key file of {agency} loaded: it stays in this page and is never sent.",
        [
            "Fichier de clé de {agency} chargé : il reste dans cette page et n'est jamais envoyé.",
            "Archivo de clave de {agency} cargado: permanece en esta página y nunca se envía.",
            "حُمّل ملف مفتاح {agency}: يبقى في هذه الصفحة ولا يُرسل أبدًا.",
        ],
    ),
    (
        "This key file is {agency}'s, not your agency's ({own}).",
        [
            "Ce fichier de clé est celui de {agency}, pas celui de votre service ({own}).",
            "Este archivo de clave es de {agency}, no de su organismo ({own}).",
            "ملف المفتاح هذا لـ{agency}، لا لجهازكم ({own}).",
        ],
    ),
    ("Not opened:", ["Non ouvert :", "No abierto:", "لم يُفتح:"]),
    (
        "Opened in this page. Leaving the page forgets the key.",
        [
            "Ouvert dans cette page. Quitter la page oublie la clé.",
            "Abierto en esta página. Salir de la página olvida la clave.",
            "فُتحت في هذه الصفحة. مغادرة الصفحة تنسى المفتاح.",
        ],
    ),
    ("Routing", ["Acheminement", "Encaminamiento", "التوجيه"]),
    ("Id", ["Identifiant", "Identificador", "المعرّف"]),
    ("Received by the server", ["Reçu par le serveur", "Recibido por el servidor", "استلمه الخادم"]),
    ("In reply to", ["En réponse à", "En respuesta a", "ردًا على"]),
    ("Thread", ["Fil", "Hilo", "السلسلة"]),
    ("Signed with key", ["Signé avec la clé", "Firmado con la clave", "موقّع بالمفتاح"]),
    (
        "Each recipient sees only its own receipts; the sender sees them all.",
        [
            "Chaque destinataire ne voit que ses propres accusés ; l'expéditeur les voit tous.",
            "Cada destinatario solo ve sus propios acuses; el remitente los ve todos.",
            "لا يرى كل مستلم إلا إشعاراته؛ ويراها المرسل كلها.",
        ],
    ),
    ("Sealed to key", ["Scellé pour la clé", "Sellado para la clave", "مختوم للمفتاح"]),
    ("Delivered", ["Remis", "Entregado", "سُلّم"]),
    ("Read", ["Lu", "Leído", "قُرئ"]),
    ("Acknowledged", ["Réception accusée", "Acuse de recibo", "أُقرّ باستلامه"]),
    ("not shown", ["non montré", "no se muestra", "غير معروض"]),
    (
        "Your agency acknowledged it:",
        ["Votre service en a accusé réception :", "Su organismo acusó recibo:", "أقرّ جهازكم باستلامه:"],
    ),
    ("Acknowledge", ["Accuser réception", "Acusar recibo", "الإقرار بالاستلام"]),
    (
        "The General Secretariat's review",
        ["L'examen du Secrétariat général", "El examen de la Secretaría General", "مراجعة الأمانة العامة"],
    ),
    ("Verdict", ["Avis", "Dictamen", "الحكم"]),
    ("Reviewer", ["Examinateur", "Examinador", "المراجِع"]),
    ("Not reviewed yet.", ["Pas encore examinée.", "Aún no examinada.", "لم تُراجَع بعد."]),
    ("compliant", ["conforme", "conforme", "مطابق"]),
    ("non-compliant", ["non conforme", "no conforme", "غير مطابق"]),
    (
        "Reason (recipients read it)",
        ["Motif (lu par les destinataires)", "Motivo (lo leen los destinatarios)", "السبب (يقرؤه المستلمون)"],
    ),
    ("Record the review", ["Enregistrer l'examen", "Registrar el examen", "تسجيل المراجعة"]),
    ("Back to the messages", ["Retour aux messages", "Volver a los mensajes", "العودة إلى الرسائل"]),
];

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use axum::http::header::COOKIE;

    use super::*;

    #[test]
    fn the_cookie_wins_then_the_browsers_languages_then_english() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of(&h), Lang::En);
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("de-CH, es;q=0.8, fr;q=0.5"));
        assert_eq!(Lang::of(&h), Lang::Es);
        h.insert(COOKIE, HeaderValue::from_static("tocsin_session=x; tocsin_lang=ar"));
        assert_eq!(Lang::of(&h), Lang::Ar);
        assert_eq!(Lang::Ar.dir(), "rtl");
    }

    #[test]
    fn every_word_has_three_translations_and_no_key_twice() {
        for (i, (en, t)) in WORDS.iter().enumerate() {
            assert!(t.iter().all(|w| !w.trim().is_empty()), "{en}");
            assert!(!WORDS[..i].iter().any(|(k, _)| k == en), "`{en}` is in the table twice");
        }
        assert_eq!(Lang::Fr.t("Sign in"), "Se connecter");
        assert_eq!(Lang::Fr.t("not in the table"), "not in the table");
    }
}
