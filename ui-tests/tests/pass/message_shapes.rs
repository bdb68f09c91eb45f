//! Handlers with several parameters, tuples, structs, `Result`s and `Option`s in messages
//! and replies, unit replies, deferred replies, and parameter names the expansion also uses
//! internally.

use otp_runtime::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub x: i64,
    pub y: i64,
}

#[derive(Debug, PartialEq)]
pub enum GeoError {
    Unknown(String),
}

pub struct Geo {
    points: Vec<(String, Point)>,
}

#[gen_server]
impl Geo {
    /// Adds a named point; its index.
    #[call]
    pub fn add(&mut self, name: String, at: Point, tags: Vec<String>) -> Result<usize, GeoError> {
        let _ = tags;
        self.points.push((name, at));
        Ok(self.points.len() - 1)
    }

    #[call]
    pub fn find(&self, name: String) -> Result<Point, GeoError> {
        self.points
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p.clone())
            .ok_or(GeoError::Unknown(name))
    }

    #[call]
    pub fn span(&self, between: (Point, Point)) -> (i64, i64) {
        (between.1.x - between.0.x, between.1.y - between.0.y)
    }

    #[call]
    pub fn bounds(&self) -> Option<(Point, Point)> {
        None
    }

    /// A unit reply: the caller learns the server handled it.
    #[call]
    pub fn sync(&self) {}

    #[call]
    pub fn find_later(&mut self, name: String, reply: ReplyTo<Result<Point, GeoError>>) {
        reply.reply(Err(GeoError::Unknown(name)));
    }

    #[cast]
    pub fn apply(&mut self, update: Result<(String, Point), GeoError>) {
        if let Ok(p) = update {
            self.points.push(p);
        }
    }

    #[cast]
    pub fn shift(&mut self, by: (i64, i64), times: u8) {
        for (_, p) in &mut self.points {
            p.x += by.0 * i64::from(times);
            p.y += by.1 * i64::from(times);
        }
    }

    /// Parameters named like the expansion's own bindings and the handle's fields.
    #[cast]
    pub fn rename(&mut self, msg: String, ctx: u32, inner: bool, timeout: u8, r#type: String) {
        let _ = (msg, ctx, inner, timeout, r#type);
    }
}

pub async fn client(geo: GeoRef) -> Result<(), CallError> {
    let origin = Point { x: 0, y: 0 };
    let index: Result<usize, GeoError> = geo
        .add("origin".into(), origin.clone(), vec!["zero".into()])
        .await?;
    let found: Result<Point, GeoError> = geo.find("origin".into()).await?;
    let span: (i64, i64) = geo.span((origin.clone(), Point { x: 3, y: 4 })).await?;
    let bounds: Option<(Point, Point)> = geo.bounds().await?;
    let (): () = geo.sync().await?;
    let later: Result<Point, GeoError> = geo.find_later("nowhere".into()).await?;
    geo.apply(Ok(("one".into(), Point { x: 1, y: 1 })));
    geo.apply(Err(GeoError::Unknown("two".into())));
    geo.shift((1, -1), 2);
    geo.rename("m".into(), 1, true, 2, "t".into());
    let _ = (index, found, span, bounds, later);
    let _ = GeoCall::Span {
        between: (origin.clone(), origin),
    };
    let _ = GeoCast::Shift {
        by: (0, 0),
        times: 1,
    };
    Ok(())
}

fn main() {}
