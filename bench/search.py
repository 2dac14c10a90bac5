"""How fast the archive indexes and answers, on SQLite and PostgreSQL: the figures of issue 16.

    python bench/search.py [--items 1000000] [--postgres-items 100000]
                           [--engine sqlite|postgres|both] [--postgres-url URL] [--json]
                           [--keep DIR]

A seeded corpus of a civic network's chat, posts, comments, events and files, written in
English, French, Portuguese and Spanish, each item with its translations into one or two of
the other languages, is written through the store's own API (`Store.archive_keep`, a batch at
a time, as the indexer does). Then 100 mixed queries run as the search runs them: one probe
per language with the query's words in that language (what the cached query translation
gives), with filters of every kind. Index time, database size and latency p50/p95/max are
reported; progress goes to stderr, and with `--json` one JSON object to stdout.

The words are real (a few hundred concepts of the network's vocabulary, in each language)
plus made-up fillers with a root shared across languages, as cognates are; all are drawn
Zipf-distributed, most of an item's words from its topic, so queries of two or three words
find items that hold them together, and common words are as common as "meeting" is.
Runs on 127.0.0.1 only (or the URL given); PostgreSQL in a schema of its own, dropped
afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text
from support import percentile  # the script's folder is on the path: `python bench/search.py`

from hub.archive.records import ArchivedItem, Filters, ItemKind, ItemText, Probe
from hub.store import Store

LANGUAGES = ("en", "fr", "pt", "es")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 2000
QUERIES = 100
WARMUP = 10
SEED = 16
END = datetime(2026, 11, 30, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)

# One concept a field: English | French | Portuguese (Portugal) | Spanish; several a line.
# "# topic" starts a topic; a concept's words may be several (a phrase in queries).
VOCABULARY = """
# mobility
bus | bus | autocarro | autobús; tram | tramway | elétrico | tranvía; metro | métro | metro | metro
bicycle | vélo | bicicleta | bicicleta; bike lane | piste cyclable | ciclovia | carril bici
pedestrian | piéton | peão | peatón; sidewalk | trottoir | passeio | acera
traffic | circulation | trânsito | tráfico; parking | stationnement | estacionamento | aparcamiento
car | voiture | carro | coche; train | train | comboio | tren; station | gare | estação | estación
ticket | billet | bilhete | billete; fare | tarif | tarifa | tarifa
timetable | horaire | horário | horario; mobility | mobilité | mobilidade | movilidad
transport | transport | transporte | transporte; street | rue | rua | calle
road | chaussée | estrada | carretera; bridge | pont | ponte | puente
intersection | carrefour | cruzamento | cruce; speed | vitesse | velocidade | velocidad
speed limit | limitation de vitesse | limite de velocidade | límite de velocidad
scooter | trottinette | trotinete | patinete; congestion | embouteillage | congestionamento | atasco
car sharing | autopartage | partilha de carros | coche compartido
accessibility | accessibilité | acessibilidade | accesibilidad
wheelchair | fauteuil roulant | cadeira de rodas | silla de ruedas
electric vehicles | véhicules électriques | veículos elétricos | vehículos eléctricos
charging | recharge | carregamento | recarga; fuel | carburant | combustível | combustible
public transport | transports en commun | transportes públicos | transporte público
night bus | bus de nuit | autocarro noturno | autobús nocturno; delay | retard | atraso | retraso
accident | accident | acidente | accidente; cyclists | cyclistes | ciclistas | ciclistas
car-free day | journée sans voiture | dia sem carros | día sin coches
helmet | casque | capacete | casco; lane | voie | faixa | carril
airport | aéroport | aeroporto | aeropuerto
# waste
waste | déchets | resíduos | residuos; recycling | recyclage | reciclagem | reciclaje
composting | compostage | compostagem | compostaje; bin | poubelle | caixote | contenedor
glass | verre | vidro | vidrio; plastic | plastique | plástico | plástico
paper | papier | papel | papel; cardboard | carton | cartão | cartón
landfill | décharge | aterro | vertedero; incinerator | incinérateur | incineradora | incineradora
collection | collecte | recolha | recogida; garbage | ordures | lixo | basura
repair | réparation | reparação | reparación
circular economy | économie circulaire | economia circular | economía circular
reuse | réemploi | reutilização | reutilización; packaging | emballage | embalagem | embalaje
food waste | gaspillage alimentaire | desperdício alimentar | desperdicio alimentario
cleaning | nettoyage | limpeza | limpieza; sewer | égout | esgoto | alcantarilla
# environment
air quality | qualité de l'air | qualidade do ar | calidad del aire
pollution | pollution | poluição | contaminación; emissions | émissions | emissões | emisiones
sensor | capteur | sensor | sensor; noise | bruit | ruído | ruido; heat | chaleur | calor | calor
heatwave | canicule | onda de calor | ola de calor; climate | climat | clima | clima
carbon | carbone | carbono | carbono; energy | énergie | energia | energía
solar panels | panneaux solaires | painéis solares | paneles solares
insulation | isolation | isolamento | aislamiento; water | eau | água | agua
drought | sécheresse | seca | sequía; flood | inondation | inundação | inundación
river | fleuve | rio | río; rain | pluie | chuva | lluvia; tree | arbre | árvore | árbol
biodiversity | biodiversité | biodiversidade | biodiversidad; ozone | ozone | ozono | ozono
particulate | particules | partículas | partículas
monitoring | surveillance | monitorização | monitorización
low emission zone | zone à faibles émissions | zona de emissões reduzidas | zona de bajas emisiones
temperature | température | temperatura | temperatura; wind | vent | vento | viento
forecast | prévision | previsão | previsión
green roof | toit végétalisé | telhado verde | cubierta verde
resilience | résilience | resiliência | resiliencia
sustainability | durabilité | sustentabilidade | sostenibilidad
nature | nature | natureza | naturaleza; pesticides | pesticides | pesticidas | pesticidas
# gardens
garden | jardin | jardim | jardín
community garden | jardin partagé | horta comunitária | huerto comunitario
park | parc | parque | parque; allotment | potager | horta | huerto
seeds | graines | sementes | semillas; plants | plantes | plantas | plantas
flowers | fleurs | flores | flores; soil | sol | solo | suelo; watering | arrosage | rega | riego
bees | abeilles | abelhas | abejas; harvest | récolte | colheita | cosecha
vegetables | légumes | legumes | verduras; fruit | fruits | fruta | fruta
orchard | verger | pomar | frutal; greenhouse | serre | estufa | invernadero
playground | aire de jeux | parque infantil | parque infantil; bench | banc | banco | banco
fountain | fontaine | fonte | fuente; square | place | praça | plaza
green spaces | espaces verts | espaços verdes | zonas verdes
tools | outils | ferramentas | herramientas; birds | oiseaux | aves | aves
insects | insectes | insetos | insectos; dogs | chiens | cães | perros
# budget
budget | budget | orçamento | presupuesto; funding | financement | financiamento | financiación
participatory budget | budget participatif | orçamento participativo | presupuesto participativo
grant | subvention | subsídio | subvención; tax | impôt | imposto | impuesto
invoice | facture | fatura | factura; expenses | dépenses | despesas | gastos
revenue | recettes | receitas | ingresos; accounts | comptes | contas | cuentas
audit | audit | auditoria | auditoría
procurement | marchés publics | contratação pública | contratación pública
tender | appel d'offres | concurso | licitación; contract | contrat | contrato | contrato
cost | coût | custo | coste; price | prix | preço | precio; euros | euros | euros | euros
million | million | milhão | millón; allocation | répartition | afetação | asignación
deficit | déficit | défice | déficit; loan | prêt | empréstimo | préstamo
annual report | rapport annuel | relatório anual | informe anual; fees | redevances | taxas | tasas
salary | salaire | salário | salario; donation | don | donativo | donación
# participation
participation | participation | participação | participación
citizens | citoyens | cidadãos | ciudadanos; residents | habitants | moradores | vecinos
assembly | assemblée | assembleia | asamblea
general assembly | assemblée générale | assembleia geral | asamblea general
council | conseil | conselho | consejo; mayor | maire | presidente da câmara | alcalde
deputy mayor | maire adjoint | vereador | teniente de alcalde; city | ville | cidade | ciudad
municipality | commune | município | municipio; vote | vote | votação | votación
election | élection | eleição | elección; proposal | proposition | proposta | propuesta
petition | pétition | petição | petición; survey | enquête | inquérito | encuesta
feedback | avis | opinião | opinión; decision | décision | decisão | decisión
debate | débat | debate | debate; committee | comité | comissão | comisión
working group | groupe de travail | grupo de trabalho | grupo de trabajo
transparency | transparence | transparência | transparencia
open data | données ouvertes | dados abertos | datos abiertos
democracy | démocratie | democracia | democracia; charter | charte | carta | carta
policy | politique | política | política; strategy | stratégie | estratégia | estrategia
action plan | plan d'action | plano de ação | plan de acción; law | loi | lei | ley
regulation | règlement | regulamento | reglamento; partners | partenaires | parceiros | socios
network | réseau | rede | red; members | membres | membros | miembros
secretariat | secrétariat | secretariado | secretaría
coordinator | coordinateur | coordenador | coordinador; youth | jeunesse | juventude | juventud
elderly | aînés | idosos | mayores; women | femmes | mulheres | mujeres
children | enfants | crianças | niños; migrants | migrants | migrantes | migrantes
inclusion | inclusion | inclusão | inclusión; equality | égalité | igualdade | igualdad
volunteers | bénévoles | voluntários | voluntarios; neighbourhood | quartier | bairro | barrio
association | association | associação | asociación
# housing
housing | logement | habitação | vivienda
social housing | logement social | habitação social | vivienda social
rent | loyer | renda | alquiler; tenants | locataires | inquilinos | inquilinos
landlord | propriétaire | senhorio | casero; eviction | expulsion | despejo | desahucio
renovation | rénovation | renovação | renovación; building | bâtiment | edifício | edificio
apartment | appartement | apartamento | piso
homelessness | sans-abrisme | sem-abrigo | sinhogarismo; shelter | refuge | abrigo | albergue
affordable housing | logement abordable | habitação acessível | vivienda asequible
construction | construction | construção | construcción; permit | permis | licença | licencia
zoning | zonage | zonamento | zonificación; urban planning | urbanisme | urbanismo | urbanismo
cooperative | coopérative | cooperativa | cooperativa
heating | chauffage | aquecimento | calefacción
energy poverty | précarité énergétique | pobreza energética | pobreza energética
roof | toit | telhado | tejado; facade | façade | fachada | fachada
elevator | ascenseur | elevador | ascensor; vacant | vacant | devoluto | vacío
neighbours | voisins | vizinhos | vecinos; poverty | pauvreté | pobreza | pobreza
# meetings
meeting | réunion | reunião | reunión; agenda | ordre du jour | agenda | orden del día
minutes | procès-verbal | ata | acta
interpretation | interprétation | interpretação | interpretación
translation | traduction | tradução | traducción; interpreter | interprète | intérprete | intérprete
webinar | webinaire | webinar | seminario web; conference | conférence | conferência | conferencia
presentation | présentation | apresentação | presentación
slides | diapositives | diapositivos | diapositivas; document | document | documento | documento
draft | brouillon | rascunho | borrador
breakout rooms | salles de groupe | salas simultâneas | salas para grupos
recording | enregistrement | gravação | grabación
registration | inscription | inscrição | inscripción; attendance | présence | presença | asistencia
invitation | invitation | convite | invitación; calendar | calendrier | calendário | calendario
schedule | programme | programa | programa; venue | lieu | local | lugar
visit | visite | visita | visita; trip | voyage | viagem | viaje; flight | vol | voo | vuelo
hotel | hôtel | hotel | hotel; lunch | déjeuner | almoço | almuerzo; dinner | dîner | jantar | cena
coffee | café | café | café; week | semaine | semana | semana; month | mois | mês | mes
tomorrow | demain | amanhã | mañana; yesterday | hier | ontem | ayer
monday | lundi | segunda | lunes; tuesday | mardi | terça | martes
wednesday | mercredi | quarta | miércoles; thursday | jeudi | quinta | jueves
friday | vendredi | sexta | viernes; evening | soir | noite | noche
update | mise à jour | atualização | actualización; question | question | pergunta | pregunta
answer | réponse | resposta | respuesta; thanks | merci | obrigado | gracias
reminder | rappel | lembrete | recordatorio; link | lien | ligação | enlace
email | courriel | correio eletrónico | correo; photo | photo | fotografia | foto
video | vidéo | vídeo | vídeo; map | carte | mapa | mapa; website | site web | sítio web | sitio web
newsletter | lettre d'information | boletim | boletín; project | projet | projeto | proyecto
pilot | pilote | piloto | piloto; results | résultats | resultados | resultados
evaluation | évaluation | avaliação | evaluación
indicators | indicateurs | indicadores | indicadores; study | étude | estudo | estudio
research | recherche | investigação | investigación; staff | personnel | pessoal | personal
team | équipe | equipa | equipo; colleagues | collègues | colegas | colegas
office | bureau | escritório | oficina; workshop | atelier | workshop | taller
training | formation | formação | formación; holidays | vacances | férias | vacaciones
password | mot de passe | palavra-passe | contraseña
privacy | vie privée | privacidade | privacidad
consent | consentement | consentimento | consentimiento
# city life
school | école | escola | escuela; students | étudiants | estudantes | estudiantes
teachers | enseignants | professores | profesores
university | université | universidade | universidad
library | bibliothèque | biblioteca | biblioteca; museum | musée | museu | museo
culture | culture | cultura | cultura; festival | festival | festival | festival
market | marché | mercado | mercado; shop | boutique | loja | tienda
business | entreprise | empresa | empresa; jobs | emplois | empregos | empleos
unemployment | chômage | desemprego | desempleo; tourism | tourisme | turismo | turismo
health | santé | saúde | salud; hospital | hôpital | hospital | hospital
doctor | médecin | médico | médico; pharmacy | pharmacie | farmácia | farmacia
vaccination | vaccination | vacinação | vacunación; safety | sécurité | segurança | seguridad
police | police | polícia | policía; fire | incendie | incêndio | incendio
emergency | urgence | emergência | emergencia; lighting | éclairage | iluminação | iluminación
streetlights | lampadaires | candeeiros | farolas; digital | numérique | digital | digital
internet | internet | internet | internet; software | logiciel | software | software
platform | plateforme | plataforma | plataforma; food | alimentation | alimentação | alimentación
canteen | cantine | cantina | comedor
school meals | repas scolaires | refeições escolares | comedores escolares
farmers | agriculteurs | agricultores | agricultores; sport | sport | desporto | deporte
swimming pool | piscine | piscina | piscina; stadium | stade | estádio | estadio
beach | plage | praia | playa; sea | mer | mar | mar; port | port | porto | puerto
boat | bateau | barco | barco; works | travaux | obras | obras
closure | fermeture | encerramento | cierre; opening | ouverture | abertura | apertura
exhibition | exposition | exposição | exposición; concert | concert | concerto | concierto
theatre | théâtre | teatro | teatro; cinema | cinéma | cinema | cine
heritage | patrimoine | património | patrimonio; history | histoire | história | historia
architecture | architecture | arquitetura | arquitectura; region | région | região | región
country | pays | país | país; europe | europe | europa | europa
european union | union européenne | união europeia | unión europea
ministry | ministère | ministério | ministerio; government | gouvernement | governo | gobierno
campaign | campagne | campanha | campaña; press | presse | imprensa | prensa
social media | réseaux sociaux | redes sociais | redes sociales; poster | affiche | cartaz | cartel
strike | grève | greve | huelga; workers | travailleurs | trabalhadores | trabajadores
protest | manifestation | manifestação | manifestación; care | soins | cuidados | cuidados
child care | garde d'enfants | creche | guardería
"""

# What a sentence holds besides its content words (the index leaves them out).
FUNCTION_WORDS = {language: said.split() for language, said in {
    "en": "the of and to in for on with at from our we this is will",
    "fr": "le la les de des du et pour dans sur avec au aux nous est une un",
    "pt": "o a os as de do da dos das e para em no na com ao um uma",
    "es": "el la los las de del y para en con al un una por se es",
}.items()}
# Made-up words: a root shared by the four languages (as cognates), each its own ending.
SYLLABLES = [c + v for c in ("b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v",
                             "br", "tr", "pl") for v in "aeiou"]
ENDINGS = {"en": ("ing", "ity", "ment", "er", "al"), "fr": ("age", "ité", "ment", "eur", "el"),
           "pt": ("agem", "idade", "mento", "dor", "al"), "es": ("aje", "idad", "miento", "dor",
                                                          "al")}
FIRST_NAMES, LAST_NAMES = (names.split() for names in (
    "Ana Bruno Carla Diogo Elena Fatima Gaspard Helena Ines Jorge Karim Lea Lucia "
    "Manuel Marta Nadia Oscar Paula Rui Sofia Tomas Ursula Vasco Yasmin Zoe Amelie "
    "Baptiste Camille Dolores Emma Felipe Joana Louise Mateo Nuno Pilar",
    "Almeida Bernard Costa Dubois Esteban Ferreira Garcia Henriques Lopez Martin "
    "Moreau Nunes Ortega Pereira Quintana Robert Santos Torres Vidal Wagner"))
# (connection, platform, [(endpoint, kind of a first item, topic it leans to or "")]);
# replies in a chat are chat, in a board comments.
PLACES = (
    ("lisbon-slack", "slack", [("chat/C0GENERAL", "chat", ""), ("chat/C0MOBILITY", "chat",
                                "mobility"), ("chat/C0HOUSING", "chat", "housing")]),
    ("paris-slack", "slack", [("chat/C0RESEAU", "chat", ""), ("chat/C0DECHETS", "chat",
                               "waste")]),
    ("network-basecamp", "basecamp", [("board/1001", "post", ""), ("campfire/2001", "chat", ""),
                                      ("schedule/3001", "event", "meetings"),
                                      ("vault/4001", "file", "budget")]),
    ("members-whatsapp", "whatsapp", [("circle/general", "chat", ""),
                                      ("circle/gardens", "chat", "gardens")]),
    ("network-zoom", "zoom", [("chat/C1", "chat", ""), ("chat/C2", "chat", "environment"),
                              ("meeting/8512345", "event", "meetings")]),
)
PLACE_WEIGHTS = (20, 15, 25, 25, 15)
LANGUAGE_WEIGHTS = (35, 25, 20, 20)


@dataclass(frozen=True)
class Concept:
    words: dict[str, str]  # language → its words
    topic: str


def vocabulary() -> list[Concept]:
    """The real concepts of VOCABULARY, in the order written."""
    concepts, topic = [], ""
    for line in VOCABULARY.strip().splitlines():
        if line.startswith("#"):
            topic = line[1:].strip()
            continue
        for field in line.split(";"):
            words = [w.strip() for w in field.split("|")]
            assert len(words) == len(LANGUAGES), field
            concepts.append(Concept(dict(zip(LANGUAGES, words, strict=True)), topic))
    return concepts


def fillers(count: int, rng: random.Random) -> list[Concept]:
    made: list[Concept] = []
    seen: set[str] = set()
    while len(made) < count:
        root = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 3)))
        end = rng.randrange(5)
        if root not in seen:
            seen.add(root)
            made.append(Concept({lang: root + ENDINGS[lang][end] for lang in LANGUAGES}, ""))
    return made


def zipf(count: int, shift: float = 20.0) -> list[float]:
    """Cumulative Zipf–Mandelbrot weights of ranks 1…count: the shift keeps the commonest
    content word near 10% of messages, as "meeting" is, not in most of them."""
    return list(itertools.accumulate(1.0 / (rank + shift) for rank in range(1, count + 1)))


@dataclass(frozen=True)
class Query:
    words: str  # as written in its own language
    language: str
    probes: tuple[Probe, ...]
    filters: Filters
    narrowed_by: str  # which filters, for the report


class Corpus:
    """The seeded network: its words, people and places, its items and queries."""

    def __init__(self, seed: int = SEED, filler_count: int = 20_000) -> None:
        rng = random.Random(seed)
        self.seed = seed
        self.real = vocabulary()
        self.topics = sorted({c.topic for c in self.real})
        # Every word ranked once: the real ones among the first few hundred ranks (the
        # network's words are its common ones), the fillers around and after them.
        made = fillers(filler_count, rng)
        head = self.real + made[:len(self.real)]
        rng.shuffle(head)
        self.words = head + made[len(self.real):]
        self.word_weights = zipf(len(self.words))
        self.all_ranks = range(len(self.words))
        # Each topic's words as ranks into self.words, in their order there.
        self.by_topic = {topic: [n for n, c in enumerate(self.words) if c.topic == topic]
                         for topic in self.topics}
        self.topic_weights = {topic: zipf(len(found), 2.0) for topic, found in
                              self.by_topic.items()}
        names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        self.authors = [(name, rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0])
                        for name in rng.sample(names, 200)]
        self.author_weights = zipf(len(self.authors), 5.0)

    # -- items --------------------------------------------------------------------------

    def batches(self, count: int, size: int = BATCH) -> Iterator[list[ArchivedItem]]:
        """`count` items in the order they were written, `size` at a time."""
        rng = random.Random(self.seed + 1)
        recent: dict[str, list[tuple[str, str]]] = {}  # address → recent first items' keys
        batch: list[ArchivedItem] = []
        for n in range(count):
            batch.append(self._item(n, count, rng, recent))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _item(self, n: int, count: int, rng: random.Random,
              recent: dict[str, list[tuple[str, str]]]) -> ArchivedItem:
        connection, platform, endpoints = rng.choices(PLACES, PLACE_WEIGHTS)[0]
        endpoint, first_kind, leaning = rng.choice(endpoints)
        address = f"{connection}/{endpoint}"
        native_id = f"{n:09d}"
        earlier = recent.setdefault(address, [])
        reply = bool(earlier) and first_kind in ("chat", "post") and rng.random() < 0.35
        kind = first_kind if not reply else ("comment" if first_kind == "post" else "chat")
        parent = rng.choice(earlier) if reply else None
        if not reply:
            earlier.append((connection, native_id))
            del earlier[:-20]
        author = rng.choices(range(len(self.authors)), cum_weights=self.author_weights)[0]
        name, home = self.authors[author]
        language = home if rng.random() < 0.9 else rng.choice(LANGUAGES)
        topic = leaning if leaning and rng.random() < 0.7 else rng.choice(self.topics)
        content = {"chat": (3, 25), "comment": (8, 40), "post": (30, 150), "event": (10, 40),
                   "file": (2, 12)}[kind]
        sentence = self._sentence(rng, topic, rng.randint(*content))
        title = self._sentence(rng, topic, rng.randint(2, 6)) if kind in ("post", "event",
                                                                          "file") else None
        files: tuple[str, ...] = ()
        if kind == "file" or rng.random() < 0.04:
            files = (self._file_name(rng, topic, language),)
        others = [lang for lang in LANGUAGES if lang != language]
        targets = rng.sample(others, rng.randint(1, 2))
        texts = tuple(
            ItemText(lang, self._render(title, lang), self._render(sentence, lang) or "",
                     lang == language, None if lang == language else "apertium",
                     extra="\n".join(files))
            for lang in (language, *targets))
        occurred = END - SPAN + SPAN * ((n + rng.random()) / count)
        return ArchivedItem(
            connection=connection, native_id=native_id, endpoint=endpoint, platform=platform,
            kind=ItemKind(kind), event_id=str(uuid.UUID(int=rng.getrandbits(128))),
            author=name, author_id=f"{platform}:{author:04d}",
            language=language, occurred_at=occurred, parent=parent,
            thread=parent or (connection, native_id), url=None, files=files, texts=texts)

    def _sentence(self, rng: random.Random, topic: str, length: int) -> list[int]:
        """A sentence in no language yet: a word's rank in `self.words`, or a negative
        number for the function word that follows it in each language's own list."""
        slots: list[int] = []
        for _ in range(length):
            if rng.random() < 0.5:  # half the words of the item's topic
                slots += rng.choices(self.by_topic[topic], cum_weights=self.topic_weights[topic])
            else:
                slots += rng.choices(self.all_ranks, cum_weights=self.word_weights)
            if rng.random() < 0.6:
                slots.append(-1 - rng.randrange(16))
        return slots

    def _render(self, slots: list[int] | None, language: str) -> str | None:
        if slots is None:
            return None
        function = FUNCTION_WORDS[language]
        said = " ".join(self.words[slot].words[language] if slot >= 0
                        else function[(-1 - slot) % len(function)] for slot in slots)
        return said[:1].upper() + said[1:] + "."

    def _file_name(self, rng: random.Random, topic: str, language: str) -> str:
        picked = rng.choices(self.by_topic[topic], cum_weights=self.topic_weights[topic], k=2)
        stem = "-".join(self.words[n].words[language].replace(" ", "-") for n in picked)
        return f"{stem}-{rng.randint(2024, 2026)}.{rng.choice(('pdf', 'docx', 'xlsx', 'jpg'))}"

    # -- queries ------------------------------------------------------------------------

    def queries(self, count: int, seed: int) -> list[Query]:
        """`count` searches of 1–3 words of one topic (a phrase quoted in some), in the four
        languages, with every kind of filter."""
        rng = random.Random(seed)
        return [self._query(rng) for _ in range(count)]

    def _query(self, rng: random.Random) -> Query:
        topic = rng.choice(self.topics)
        found = self.by_topic[topic]
        size = rng.choices((1, 2, 3), (40, 40, 20))[0]
        # Half as people search (the common words), half anywhere in the topic (rare ones).
        ranks = (rng.choices(found, cum_weights=self.topic_weights[topic], k=size)
                 if rng.random() < 0.5 else rng.sample(found, size))
        picked = [self.words[n] for n in dict.fromkeys(ranks)]
        quoted = rng.random() < 0.3

        def written(language: str) -> str:
            return " ".join(f'"{c.words[language]}"' if quoted and " " in c.words[language]
                            else c.words[language] for c in picked)

        language = rng.choice(LANGUAGES)
        probes = tuple(Probe(lang, written(lang)) for lang in LANGUAGES)
        narrowed_by, filters = self._filters(rng)
        return Query(written(language), language, probes, filters, narrowed_by)

    def _filters(self, rng: random.Random) -> tuple[str, Filters]:
        kind = rng.choices(("none", "platform", "kind", "language", "author", "dates",
                            "has_file", "endpoint", "platform+dates", "kind+language"),
                           (25, 10, 10, 10, 10, 10, 5, 10, 5, 5))[0]
        filters = Filters()
        for part in kind.split("+"):
            filters = replace(filters, **self._filter(rng, part))
        return kind, filters

    def _filter(self, rng: random.Random, part: str) -> dict[str, Any]:
        connection, platform, endpoints = rng.choice(PLACES)
        if part == "platform":
            return {"platforms": frozenset({platform})}
        if part == "kind":
            return {"kinds": frozenset({rng.choice(list(ItemKind))})}
        if part == "language":
            return {"languages": frozenset({rng.choice(LANGUAGES)})}
        if part == "author":
            n = rng.choices(range(len(self.authors)), cum_weights=self.author_weights)[0]
            # By name, as a person types it, or by id, as the pages link it.
            return {"authors": frozenset({self.authors[n][0].lower() if rng.random() < 0.5
                                          else f"{platform}:{n:04d}"})}
        if part == "dates":
            since = END - SPAN + SPAN * rng.random() * 0.9
            return {"since": since, "until": since + timedelta(days=rng.randint(7, 180))}
        if part == "has_file":
            return {"has_file": True}
        if part == "endpoint":
            return {"endpoints": frozenset({f"{connection}/{rng.choice(endpoints)[0]}"})}
        return {}


# -- measuring --------------------------------------------------------------------------


def index(store: Store, corpus: Corpus, count: int) -> dict[str, Any]:
    """Write `count` items through `archive_keep`, a batch a call, as the indexer does."""
    began, position, written = time.perf_counter(), 0, 0
    making = 0.0
    batches = corpus.batches(count)
    while True:
        made_at = time.perf_counter()
        batch = next(batches, None)
        making += time.perf_counter() - made_at
        if batch is None:
            break
        assert store.archive_keep(batch, [], position, position + len(batch))
        position += len(batch)
        written += len(batch)
        if written % (BATCH * 25) == 0:
            say(f"  {written:,} items written, {time.perf_counter() - began:.0f} s")
    # The corpus's own making is the bench's, not the store's: left out.
    seconds = time.perf_counter() - began - making
    return {"seconds": round(seconds, 1), "items_per_s": round(count / seconds),
            "making_seconds": round(making, 1)}


def ask(store: Store, queries: Sequence[Query]) -> dict[str, Any]:
    """Each query once, timed, after WARMUP others; latency percentiles in milliseconds."""
    timed: list[tuple[float, int, Query]] = []
    for query in queries:
        began = time.perf_counter()
        found = store.archive_search(list(query.probes), query.filters, limit=20)
        timed.append(((time.perf_counter() - began) * 1000, len(found), query))
    ms = [t for t, _, _ in timed]
    by_filter: dict[str, list[float]] = {}
    for t, _, query in timed:
        by_filter.setdefault(query.narrowed_by, []).append(t)
    slowest = sorted(timed, key=lambda entry: -entry[0])[:5]
    return {
        "queries": len(timed),
        "latency_ms": {"p50": round(percentile(ms, 0.5), 1),
                       "p95": round(percentile(ms, 0.95), 1), "max": round(max(ms), 1)},
        "found_share": round(sum(1 for _, n, _ in timed if n) / len(timed), 2),
        "by_filter_max_ms": {k: round(max(v), 1) for k, v in sorted(by_filter.items())},
        "slowest": [{"query": q.words, "language": q.language, "filters": q.narrowed_by,
                     "found": n, "ms": round(t, 1)} for t, n, q in slowest],
    }


def measure(store: Store, count: int, settle: Callable[[], None] = lambda: None
            ) -> dict[str, Any]:
    """Index `count` items, `settle`, warm up, then time the queries."""
    corpus = Corpus()
    figures = {"items": count, "index": index(store, corpus, count)}
    settle()
    figures["texts"] = _count_texts(store.engine)
    say("  querying")
    for query in corpus.queries(WARMUP, corpus.seed + 3):
        store.archive_search(list(query.probes), query.filters, limit=20)
    return figures | ask(store, corpus.queries(QUERIES, corpus.seed + 2))


def on_sqlite(count: int, keep: Path | None) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        folder = keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        path = folder / f"search-{count}.db"
        path.unlink(missing_ok=True)
        say(f"SQLite, {count:,} items: {path}")
        store = Store.open(f"sqlite:///{path}")
        try:
            figures = measure(store, count)
        finally:
            store.close()
        wal = path.with_name(path.name + "-wal")
        size = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        return {"engine": "sqlite", **sized(figures, size)}


def on_postgres(url: str, count: int, keep: Path | None) -> dict[str, Any]:
    schema = f"search_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).set(drivername="postgresql+psycopg").update_query_dict(
            {"options": f"-csearch_path={schema}"})
        say(f"PostgreSQL, {count:,} items: schema {schema}")
        store = Store.open(scoped.render_as_string(hide_password=False))
        def analyze() -> None:
            # What autovacuum does within a minute of such a load, done now: the planner
            # needs the tables' statistics.
            with admin.begin() as conn:
                for table in ("archive_items", "archive_texts"):
                    conn.execute(text(f'ANALYZE "{schema}".{table}'))

        try:
            figures = measure(store, count, analyze)
        finally:
            store.close()
        size = _archive_bytes(admin, schema)
        return {"engine": "postgresql", **sized(figures, size)}
    finally:
        if keep is None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        else:
            say(f"  kept: schema {schema}")
        admin.dispose()


def sized(figures: dict[str, Any], size: int) -> dict[str, Any]:
    """The figures with the database's size (after indexing; the queries write nothing)."""
    head = {k: figures[k] for k in ("items", "texts", "index")}
    return head | {"size_mb": round(size / 1e6, 1),
                  "bytes_per_item": round(size / figures["items"])} | figures


def _count_texts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM archive_texts")).scalar_one())


def _archive_bytes(admin: Engine, schema: str) -> int:
    with admin.connect() as conn:
        return int(conn.execute(text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema "
            "AND c.relname IN ('archive_items', 'archive_texts')"), {"schema": schema}
        ).scalar_one())


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def summary(r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    return (f"{r['engine']:<10} {r['items']:,} items, {r['texts']:,} texts: indexed in "
            f"{r['index']['seconds']} s ({r['index']['items_per_s']:,} items/s), "
            f"{r['size_mb']} MB; {r['queries']} queries p50 {lat['p50']} ms, p95 {lat['p95']} "
            f"ms, max {lat['max']} ms, {r['found_share']:.0%} found something")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="on SQLite")
    parser.add_argument("--postgres-items", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("HUB_TEST_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the SQLite file in DIR and the PostgreSQL schema")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    if args.engine in ("sqlite", "both"):
        results["sqlite"] = on_sqlite(args.items, args.keep)
        say(summary(results["sqlite"]))
    if args.engine in ("postgres", "both"):
        results["postgresql"] = on_postgres(args.postgres_url, args.postgres_items, args.keep)
        say(summary(results["postgresql"]))
    if args.json:
        print(json.dumps(results))
    else:
        for figures in results.values():
            print(summary(figures))


if __name__ == "__main__":
    main()
